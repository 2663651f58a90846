"""A demo event (6 municipalities, 6 solution makers, short rounds) to try everything at once."""

from __future__ import annotations

from collections.abc import Callable

from . import engine, links, roster
from .model import Matching, Settings
from .service import Owner

MUNICIPALITIES = [
    ("Claire Martin", "Mairie de Lyon"),
    ("Hugo Bernard", "Ville de Nantes"),
    ("Inès Dubois", "Commune de Villeurbanne"),
    ("Paul Moreau", "Ville de Grenoble"),
    ("Sophie Laurent", "Mairie d'Annecy"),
    ("Karim Haddad", "Ville de Rennes"),
]
SOLUTIONS = [
    ("Léa Garnier", "Mobilis (shared e-bikes)"),
    ("Thomas Petit", "Lumio (smart street lights)"),
    ("Amélie Roux", "Aquasense (water leak sensors)"),
    ("Julien Fontaine", "Cantine Verte (school meals)"),
    ("Nadia Benali", "Civix (citizen participation)"),
    ("Marc Lefèvre", "Thermo+ (building retrofits)"),
]


async def create(events: Owner, base_url: str, new_token: Callable[[], str]) -> list[str]:
    """Create the demo event; return the lines to print (its links, shown only now)."""
    host, moderator, registration = new_token(), new_token(), new_token()
    state = engine.new_event(
        "demo" + new_token()[:4].replace("-", "x").replace("_", "y"),
        Settings(
            title="Mayors meet innovators (demo)",
            round_seconds=120,
            break_seconds=30,
            rounds=4,
            matching=Matching(mode="bipartite", sides=("commune", "solution"), odd="wait"),
            no_show_seconds=45,
        ),
        links.token_hash(host),
        links.token_hash(moderator),
        links.token_hash(registration),
        events.now(),
    )
    await events.create(state)
    rows = [roster.Row(n, o, "commune", "", []) for n, o in MUNICIPALITIES]
    rows += [roster.Row(n, o, "solution", "", []) for n, o in SOLUTIONS]
    rows[0].wishes = ["must:Léa Garnier"]
    rows[6].wishes = ["like:Claire Martin"]
    rows[1].wishes = ["like:Thomas Petit"]
    tokens = [new_token() for _ in rows]

    done = await events.update(state.id, lambda s: roster.register(s, rows, tokens)[0])
    lines = [
        f"Demo event {done.settings.title!r}",
        f"  host:      {base_url}/e/{done.id}/host/{host}",
        f"  moderator: {base_url}/e/{done.id}/mod/{moderator}",
        f"  sign-up:   {base_url}/e/{done.id}/join/{registration}",
    ]
    for p, token in zip(done.participants.values(), tokens, strict=True):
        lines.append(f"  {p.side:<9} {p.name:<16} {base_url}/e/{done.id}/p/{token}")
    return lines
