/** The page's boot data, which the server renders into <script type="application/json" id="boot">. */

const node = document.getElementById('boot');

/** {role, token, lang, strings, event, me?} */
export const boot = Object.freeze(node ? JSON.parse(node.textContent) : { strings: {} });
