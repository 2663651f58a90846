/** Whose picture a video shows, in words a screen reader says ("Vidéo de Léa Garnier, Mobilis"). */

import { t } from './i18n.js';

/** The name of the video of `name` (of `organization`, when known). */
export function videoName(name, organization = '') {
  return organization ? t('video_of', { name, organization }) : t('video_of_name', { name });
}
