"""A demo event (6 municipalities, 6 solution makers, short rounds) to try everything at once."""

from __future__ import annotations

from collections.abc import Callable

from ..core.event import new_event
from ..core.model import EventState, Matching, Settings
from . import links, register
from .spreadsheet import Cell

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


def create(new_token: Callable[[], str], now: int, base_url: str) -> tuple[EventState, list[str]]:
    """The demo event with its people (registered as an import would), and the lines to print:
    its links, shown only now (the server keeps their hashes)."""
    host, moderator, registration = new_token(), new_token(), new_token()
    state = new_event(
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
        now,
    )
    people = [(n, o, "commune") for n, o in MUNICIPALITIES]
    people += [(n, o, "solution") for n, o in SOLUTIONS]
    wishes = {0: ["must:Léa Garnier"], 6: ["like:Claire Martin"], 1: ["like:Thomas Petit"]}
    given = [
        register.Given(
            row=i + 1,
            values={
                "name": Cell(name, 0, ""),
                "organization": Cell(organization, 0, ""),
                "side": Cell(side, 0, ""),
            },
            wishes=wishes.get(i, []),
        )
        for i, (name, organization, side) in enumerate(people)
    ]
    planned = register.plan(state, given, update=False)
    tokens = [new_token() for _ in planned.added]
    done, added = register.apply(state, planned, tokens)
    lines = [
        f"Demo event {done.settings.title!r}",
        f"  host:      {base_url}/e/{done.id}/host/{host}",
        f"  moderator: {base_url}/e/{done.id}/mod/{moderator}",
        f"  sign-up:   {base_url}/e/{done.id}/join/{registration}",
    ]
    for person, token in zip(added, tokens, strict=True):
        lines.append(f"  {person.side:<9} {person.name:<16} {base_url}/e/{done.id}/p/{token}")
    return done, lines
