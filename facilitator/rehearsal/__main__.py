"""A rehearsal's crowd: simulated delegates taking part in a workshop, as a room would.

    python -m facilitator.rehearsal --url URL --code CODE --phones N --over SECONDS
                                    [--people FILE] [--pace FACTOR] [--seed SEED]

N phones join workshop CODE at random moments over SECONDS, with made-up names (a first
name and a surname from people.json, never a name on the roster: one the server says is
taken is swapped for another), then take part in whatever is live, following the run
sheet as it changes: each does what the live kind says a delegate would (its `rehearse`
hook, see hookspecs.Kind), in their own time: answer with a plausible spread, post and
vote, find their group or not, until the process is terminated (SIGTERM or Ctrl+C:
every phone disconnects, then it exits, saying what was sent).

The server starts it for `rehearsal:start` (see runner.py). The workshop's rehearsal
secret comes in the environment, FACILITATOR_REHEARSAL_SECRET, and goes in each phone's
`auth`: the server then marks them `simulated`. Without it they are ordinary walk-ins.
The people file is JSON, {"people": [{"organisation", "role"}, ...]}: who they are (the
roster's organisations and roles, so that groups mix as they will on the day); empty,
they are made up from people.json. It is deleted once read. --pace scales every delay
(FACILITATOR_REHEARSAL_PACE, for the server's crowds): 0.1 is ten times as quick. --seed
makes it the same crowd each time.
"""
import argparse
import asyncio
import json
import os
import random
import signal
import sys
import time
from collections import Counter
from pathlib import Path

from .phone import Crowd, Refused, outcome, raise_file_limit, wait_for

PEOPLE = Path(__file__).with_name("people.json")
# The join refusals another name gets past.
NAME_REFUSALS = ("name_taken", "on_roster", "name_removed")


def made_up_names(data: dict, rng: random.Random):
    """Distinct realistic names without end: every first name with every surname, in a
    random order, then again with a middle initial."""
    for middle in ["", *"ABCDEFGHJKLMNPRSTW"]:
        pairs = [(first, last) for first in data["first_names"] for last in data["surnames"]]
        rng.shuffle(pairs)
        for first, last in pairs:
            yield f"{first} {middle}. {last}" if middle else f"{first} {last}"


def who(data: dict, people: list[dict], rng: random.Random):
    """Organisations and roles without end: the given people's mix, or made up (the
    organisations by their weight, now and then no role)."""
    orgs = data["organisations"]
    while True:
        if people:
            person = rng.choice(people)
            yield person.get("organisation") or "", person.get("role") or ""
        else:
            org = rng.choices(orgs, [o["weight"] for o in orgs])[0]["name"]
            yield org, rng.choice(data["roles"]) if rng.random() < 0.9 else ""


class Person:
    """One simulated delegate behind a phone: how quick and how keen they are, and what
    they have already planned of what was live."""

    def __init__(self, phone, rehearsal):
        self.phone, self.rehearsal, self.r = phone, rehearsal, phone.random
        self.quick = self.r.lognormvariate(0, 0.4)  # their own pace: >1 slower
        self.keen = self.r.random()                  # <0.1: hardly takes part
        self.done, self.changed = set(), asyncio.Event()
        phone.person = self

    async def pause(self, seconds) -> bool:
        """Wait `seconds` of their time (paced); True if the rehearsal is stopping."""
        return await wait_for(self.rehearsal.stop, max(0.05, seconds * self.rehearsal.pace))

    def delay(self, median, spread=0.6):
        """A human reaction time, in their time: lognormal about `median` s."""
        return median * self.quick * self.r.lognormvariate(0, spread)

    def still(self, activity_id) -> bool:
        """Whether that activity is what their phone shows now."""
        return self.phone.connected and (self.phone.activity or {}).get("id") == activity_id

    async def attend(self):
        """React to what the phone shows until the rehearsal stops."""
        while not self.rehearsal.stop.is_set():
            await wait_for(self.changed, 5)
            self.changed.clear()
            self.notice()

    def notice(self):
        """Start what the live kind plans for them that was not planned before."""
        phone = self.phone
        activity = phone.activity
        if not activity or not phone.me:
            return
        try:
            plan = phone.plan(self.keen)
        except Exception as error:  # noqa: BLE001 - one kind's fault stops nobody
            self.rehearsal.fault(activity, error)
            return
        fresh = [act for act in plan if (activity["id"], act.key) not in self.done]
        if fresh:
            self.done.update((activity["id"], act.key) for act in fresh)
            self.rehearsal.spawn(self.carry_out(activity["id"], fresh))

    async def carry_out(self, activity_id, plan):
        """Do each act in turn after its moment's thought (before its deadline, if it
        has one), while the activity is still what their phone shows."""
        for act in plan:
            wait = self.delay(act.think) if act.think else 0
            if act.by:
                wait = min(wait, max(0.5, (act.by - self.rehearsal.server_time()) * 0.8)
                           / self.rehearsal.pace)
            if (wait and await self.pause(wait)) or not self.still(activity_id):
                return
            ack = await self.send(activity_id, act)
            again = act.retry.get((ack or {}).get("error"))
            if again is not None:
                if await self.pause(again) or not self.still(activity_id):
                    return
                await self.send(activity_id, act)

    async def send(self, activity_id, act):
        """Do it; a refusal or a lost ack is what a real phone lives with too."""
        try:
            ack = await self.phone.do(act)
        except Exception:  # noqa: BLE001 - the person carries on
            ack = {"ok": False, "error": "no_ack"}
        if ack is not None:
            self.rehearsal.count(activity_id, act.event, ack)
        return ack


class Rehearsal:
    """The crowd of one rehearsal, its people and their tasks."""

    def __init__(self, args, people: list[dict], secret: str | None):
        self.args, self.pace, self.stop, self.tasks = args, args.pace, asyncio.Event(), set()
        self.rng = random.Random(args.seed)
        # Acks by activity, event and outcome ("ok" or the error): {(id, event, outcome): n}.
        self.acks, self.faults = Counter(), set()
        data = json.loads(PEOPLE.read_text(encoding="utf-8"))
        self.names, self.who = made_up_names(data, self.rng), who(data, people, self.rng)
        self.crowd = Crowd(args.url, args.code, rehearsal=secret, reconnect=True)
        self.offset = 0.0  # the server's clock less this one's
        for event in ("snapshot", "live", "view", "mine", "own_view"):
            self.crowd.on(event, self.woken)
        self.crowd.on("delegate:removed", lambda phone, *_: self.spawn(phone.close()))
        self.crowd.on("workshop:deleted", lambda phone, *_: self.stop.set())

    def woken(self, phone, data=None, *_):
        if isinstance(data, dict) and "server_time" in data:
            self.offset = data["server_time"] - time.time()
        person = getattr(phone, "person", None)
        if person is not None:
            person.changed.set()

    def count(self, activity_id, event, ack):
        """Note an ack."""
        self.acks[activity_id, event, outcome(ack)] += 1

    def fault(self, activity, error):
        """A kind's plan failed: say so, once per activity."""
        if activity["id"] not in self.faults:
            self.faults.add(activity["id"])
            print(f"rehearsal: no plan for activity {activity['id']} ({activity['kind']}): "
                  f"{type(error).__name__}: {error}", file=sys.stderr)

    def server_time(self) -> float:
        return time.time() + self.offset

    def spawn(self, coroutine):
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def enter(self, phone):
        """Join under a made-up name (another if that one is taken), then take part."""
        phone.seed = self.rng.random()
        phone.random.seed(phone.seed)
        for _ in range(20):
            organisation, role = next(self.who)
            try:
                await phone.join(next(self.names), organisation, role, keep=True)
                break
            except Refused as refusal:
                if refusal.ack.get("error") not in NAME_REFUSALS:
                    await phone.close()
                    raise
        else:
            await phone.close()
            raise RuntimeError("no free name")
        self.spawn(Person(phone, self).attend())

    async def run(self):
        loop, parent = asyncio.get_running_loop(), os.getppid()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop.set)
        arriving = self.spawn(self.crowd.arrive(self.args.phones, self.args.over,
                                                enter=self.enter))
        while not await wait_for(self.stop, 2):  # also stop once its server is gone
            if os.getppid() != parent:
                self.stop.set()
        for task in list(self.tasks):
            task.cancel()
        await self.crowd.close(timeout=4)
        joined, failures = len(self.crowd.phones), {}
        if arriving.done() and not arriving.cancelled():
            _, _, failures = arriving.result()
        sent = Counter()
        for (_, event, result), n in self.acks.items():
            sent[f"{event} {result}"] += n
        print(f"rehearsal: {joined} phones joined; failed: {failures or 'none'}; "
              f"sent: {dict(sorted(sent.items())) or 'nothing'}", file=sys.stderr)


def read_people(path) -> list[dict]:
    """The people file's list (it is deleted once read); [] without one."""
    if not path:
        return []
    try:
        with open(path, encoding="utf-8") as f:
            people = json.load(f).get("people") or []
    finally:
        Path(path).unlink(missing_ok=True)
    return [p for p in people if isinstance(p, dict)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m facilitator.rehearsal",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the server, e.g. http://127.0.0.1:5000")
    parser.add_argument("--code", required=True, help="the workshop's join code")
    parser.add_argument("--phones", type=int, required=True, help="how many (1-2000)")
    parser.add_argument("--over", type=float, default=20.0,
                        help="seconds over which they join")
    parser.add_argument("--people", help="JSON file of organisations and roles (deleted)")
    parser.add_argument("--pace", type=float,
                        default=float(os.environ.get("FACILITATOR_REHEARSAL_PACE") or 1),
                        help="every delay times this")
    parser.add_argument("--seed", help="the same crowd each time")
    args = parser.parse_args(argv)
    people = read_people(args.people)
    if not (1 <= args.phones <= 2000 and 0 <= args.over <= 600 and 0 < args.pace <= 10):
        parser.error("phones 1..2000, over 0..600 s, pace above 0 up to 10")
    secret = os.environ.get("FACILITATOR_REHEARSAL_SECRET") or None
    if secret is None:
        print("rehearsal: no FACILITATOR_REHEARSAL_SECRET: the phones join as walk-ins",
              file=sys.stderr)
    raise_file_limit()
    asyncio.run(Rehearsal(args, people, secret).run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
