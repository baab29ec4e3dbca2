"""Every way a kind of activity plugs into the app, in one place.

A kind is a package of its own (`facilitator/ranking/`, say): its settings,
domain functions, socket events, projections, exports, report section, tables
and migrations, settings form and JS renderer. Its `__init__.py` defines a
subclass of `Kind` below; one line in `plugins.py` registers it. Core code
(workshops, the run sheet, realtime, the screens' shared JS) calls only what
this module lists, and names no kind.

A package may hold several kinds that share their machinery (the prompt
kinds share answers, timers and reveal); each is a `Kind` all the same.

Each method is given the store (`store.Store`) and plain rows: an activity
is a dict with `id`, `workshop_id`, `kind`, `title` and `config` (the settings
`config()` returned).
"""
from dataclasses import dataclass, field

# The screens, as the `role` a projection is made for.
ROLES = ("facilitator", "panel", "screen", "delegate")

# For a kind's `owned` conditions: the ids of the activities and delegates whose
# rows are wanted.
ACTIVITIES = "(select value from json_each(:activities))"
DELEGATES = "(select value from json_each(:delegates))"


@dataclass(frozen=True)
class Migration:
    """One step of a plug-in's tables. `name` is unique across the app and never
    changes once released; `fn(db)` gets a sqlite_utils.Database inside a
    transaction. `before` is the schema version of a database made before the
    plug-ins had steps of their own that already holds this step's tables."""

    name: str
    fn: object
    before: int | None = None


@dataclass(frozen=True)
class Export:
    """A CSV file a kind offers for one activity: `rows(store, activity)` returns
    (header, rows). Served at /control/<key>/activities/<id>/<name>.csv and put
    in the workshop's export."""

    name: str
    label: str
    rows: object


@dataclass
class Change:
    """What a domain change did to an activity, for `runsheet.live.announce`.

    items: None when the view changed as a whole; otherwise, for each of the
        kind's `collections`, the ids of the items that changed (the rest of
        the view is sent again with them: keep it small); {} when only some
        delegates' `mine` changed.
    people: delegates whose own view (`mine`) changed; None for every delegate.
    soon: send with the next beat, once, however many changes arrive before
        it (votes, answers, taps); otherwise at once (a facilitator's action).
    """

    activity: dict
    items: dict[str, list[int]] | None = None
    people: set[int] | None = field(default_factory=set)
    soon: bool = False
    #: The socket that made the change, left out of `mine`: its ack carries it.
    skip: str | None = None


@dataclass(frozen=True)
class Act:
    """One thing a rehearsal's simulated delegate does (see Kind.rehearse): send `event`
    with `payload` after about `think` seconds of thought.

    key: what it is, done once per delegate and activity however often it is planned:
        ("answer", 0), ("found", round number).
    payload: the event's payload; or a function of (activity, mine), as the phone shows
        them when the moment comes, returning it, or None to do nothing after all (the
        round is over, there is nothing to vote for).
    think: median seconds before it, counted from the act before it in the same plan;
        the delegate's own pace and chance spread it.
    by: a server time (a deadline) to do it before, if it can be.
    retry: {error: seconds}: refused with that error, try once more that much later.
    """

    key: tuple
    event: str
    payload: object
    think: float = 0.0
    by: float | None = None
    retry: dict = field(default_factory=dict)


class Kind:
    """What a kind of activity provides. The defaults suit a kind that only shows
    something (a message); override what yours does."""

    #: The name stored in the run sheet, sent to every screen: never change it.
    name = ""
    #: What the control screen calls it.
    label = ""
    #: One line for the control screen's "Add an activity" menu.
    description = ""
    #: The kind's JS module (path under its package's `static/`): it exports a
    #: renderer per role and one for the report (see static/js/kinds.js); a
    #: screen without one shows the title. Found by name when left unset:
    #: `static/<name>.js` (likewise below). A kind's script and style are served
    #: by the package of the class that names its script (see `blueprint`).
    script = None
    #: Its stylesheet, linked by every page: `static/<name>.css`, if there.
    style = None
    #: The settings form for the control screen, a template under the package's
    #: `templates/` (`<name>/settings.html`, if there); None: title alone.
    settings_template = None
    #: Keys of a view that hold lists of {"id": ...} items, sent in part when
    #: only some of them change (see Change.items). Screens keep them by id and
    #: sort them as they show them.
    collections = ()
    #: Tables and columns, in order (see Migration).
    migrations = ()
    #: The tables holding its rows, children before parents, each with the SQL
    #: condition that finds the rows of the workshop `:workshop`, its activities
    #: `:activities` and delegates `:delegates` (JSON lists). These rows are
    #: exported with the workshop and deleted with it, and with one of its
    #: activities (`:workshop` then matches nothing); a rehearsal's simulated
    #: delegates take theirs with them (`:delegates`). A delegate the
    #: facilitator removes leaves what they sent.
    owned = ()
    #: CSV files for one activity (see Export).
    exports = ()
    #: A Flask blueprint serving the files above and the kind's own pages: left
    #: unset, its package's (plugins.package_blueprint), which is what a page
    #: of the package's routes should be declared on too.
    blueprint = None
    #: Pages of the blueprint's the control screen links to: (label, endpoint,
    #: hint), the endpoint taking the control link's `key`.
    pages = ()
    #: What a phone is told when it sends an event of a handler declared for
    #: kinds built on this class (`realtime.handler(live=...)`) while none is live.
    not_live = "That is not open just now."
    #: What the contract tests every kind must pass (tests/test_kinds.py) do with
    #: it: {"settings": {...}, "actions": [(role, event, payload), ...]}, where a
    #: payload's "$activity" is the activity's id, "$client" a fresh client id and
    #: "$last.<path>" a value of the previous ack ("answers": [...] stands for
    #: prompt:answer actions). None fails them: a kind is not registered without
    #: its tests.
    examples = None

    # --- settings --------------------------------------------------------

    @staticmethod
    def config(data: dict) -> dict:
        """Validate the facilitator's settings (the top level of `activity:add`),
        with the validation helpers; return what is stored."""
        return {}

    # --- projections: what each screen sees -------------------------------

    @classmethod
    def view(cls, store, activity: dict, role: str, only: dict | None = None) -> dict:
        """What every screen of `role` sees of the activity while it is live, merged
        into `live.activity`. The snapshot and every live update are made by this
        one function, so a screen that reconnects and one that saw every update
        agree. `only`: for each collection, the ids that changed; return just those
        items of it (leaving out, for this role, any that it must not see: they are
        then removed from its screens)."""
        return {}

    @classmethod
    def views(cls, store, activity: dict, roles, only: dict | None = None) -> dict:
        """`view` of several roles at once, by role: live updates are made this way.
        Override to do once what every role's view needs (count the answers); it must
        give what `view` gives for each role."""
        return {role: cls.view(store, activity, role, only) for role in roles}

    @staticmethod
    def mine(store, activity: dict, delegate_id: int):
        """What one delegate's phones alone see while it is live, or None."""
        return None

    @classmethod
    def mine_of(cls, store, activity: dict, delegate_ids) -> dict:
        """`mine` of many delegates at once, by id (None: every delegate it has one
        for). Override to fetch them together."""
        return {d: cls.mine(store, activity, d) for d in delegate_ids or ()}

    @staticmethod
    def anyone_has_mine(store, activity: dict) -> bool:
        """Whether some delegate's `mine` may differ from a newcomer's (`mine` of
        delegate None): anyone has answered, posted or voted, say."""
        return True

    @classmethod
    def mine_for_all(cls, store, activity: dict):
        """(True, mine) when every phone's `mine` is the same right now, so that `live`
        carries it and no phone needs to ask; (False, None) otherwise."""
        if cls.mine is Kind.mine:
            return True, None
        if cls.anyone_has_mine(store, activity):
            return False, None
        return True, cls.mine(store, activity, None)

    # --- its life on the run sheet ---------------------------------------

    @staticmethod
    def on_live(store, workshop: dict, activity: dict):
        """The activity is going live (the first time, or again), or its settings
        were edited while live; before `live` is sent. It must be safe to repeat."""

    @staticmethod
    def on_arrival(store, activity: dict, delegate_id: int) -> Change | None:
        """A joined delegate's phone connected (or joined) while the activity is live."""
        return None

    @classmethod
    def tick(cls, store) -> list[Change]:
        """Every beat, in one process: deadlines that passed, and the like. Returns the
        changes to announce (a whole new `live` for an activity: Change with no items)."""
        return []

    # --- after the event ---------------------------------------------------

    @staticmethod
    def workshop_files(store, workshop_id: int):
        """(file name, header, rows) of CSV files the kind keeps for a whole workshop
        rather than one activity (planned rotations), for the workshop's export.
        Each package's are asked once."""
        return ()

    @classmethod
    def report(cls, store, activity: dict) -> dict:
        """Its section of the event report, drawn by the kind's `report` renderer."""
        return {"view": cls.view(store, activity, "facilitator")}

    # --- rehearsal -----------------------------------------------------------

    @classmethod
    def rehearse(cls, activity: dict, mine, who) -> list[Act]:
        """What a rehearsal's simulated delegate does while the activity is live, with a
        room's spread: the plan of Acts (`who.act(...)` makes one).

        `activity` and `mine` are what their phone holds (the delegate projection and
        their own view). It is asked again whenever either changes and returns the
        whole plan each time: an Act whose key was planned before is not done again.
        `who` (rehearsal.standin.StandIn) is the delegate: `who.rng`, their dice, roll
        the same on every call (so a plan made again is the same plan), as do
        `who.dice(*what)` for one part (a round); `who.keen` (0-1: below 0.1 they
        hardly take part); `who.me` (their name and organisation); `who.new_id()` (a
        client id). The room's taste is the same for every delegate:
        `who.favourites(items, k)`, `who.order(items)`, `who.around(low, high, ...)`.
        It runs in the crowd's process, without the store. [] (the default): they
        only watch. A kind phones act in says how here, or rehearsals leave it
        untouched (tests/test_rehearsal.py tries every kind)."""
        return []
