"""A rehearsal's crowd: simulated delegates taking part in a workshop, as a room would.

    python -m facilitator.rehearsal --url URL --code CODE --phones N --over SECONDS
                                    [--people FILE] [--pace FACTOR]

N phones join workshop CODE at random moments over SECONDS, with made-up names (a first
name and a surname from people.json, never a name on the roster: one the server says is
taken is swapped for another), then take part in whatever is live, following the run
sheet as it changes: they answer every kind of prompt with a plausible spread, ask, post
and vote in Q&A sessions, and find their Connect groups (most of them; some say they
cannot find them, some are late, a few sit a round out), until the process is
terminated (SIGTERM or Ctrl+C: every phone disconnects, then it exits).

The server starts it for `rehearsal:start` (see runner.py). The workshop's rehearsal
secret comes in the environment, FACILITATOR_REHEARSAL_SECRET, and goes in each phone's
`auth`: the server then marks them `simulated`. Without it they are ordinary walk-ins.
The people file is JSON, {"people": [{"organisation", "role"}, ...]}: who they are (the
roster's organisations and roles, so that groups mix as they will on the day); empty,
they are made up from people.json. It is deleted once read. --pace scales every delay
(FACILITATOR_REHEARSAL_PACE, for the server's crowds): 0.1 is ten times as quick.
"""
import argparse
import asyncio
import json
import os
import random
import signal
import sys
import time
from pathlib import Path

from .phone import ANSWERS, POSTS, Crowd, Refused, raise_file_limit, wait_for

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
    they have already done of what was live."""

    def __init__(self, phone, rehearsal):
        self.phone, self.rehearsal, self.r = phone, rehearsal, phone.random
        self.quick = self.r.lognormvariate(0, 0.4)  # their own pace: >1 slower
        self.keen = self.r.random()                  # <0.1: answers nothing
        self.done, self.changed = set(), asyncio.Event()
        phone.person = self

    async def pause(self, seconds) -> bool:
        """Wait `seconds` of their time (paced); True if the rehearsal is stopping."""
        return await wait_for(self.rehearsal.stop, max(0.05, seconds * self.rehearsal.pace))

    def delay(self, median, spread=0.6):
        """A human reaction time, in their time: lognormal about `median` s."""
        return median * self.quick * self.r.lognormvariate(0, spread)

    def still(self, activity_id, round_number=None) -> bool:
        """Whether that activity (and round) is what their phone shows now."""
        activity = self.phone.activity or {}
        return self.phone.connected and activity.get("id") == activity_id and (
            round_number is None or (activity.get("round") or {}).get("number") == round_number)

    async def send(self, action):
        """Do it; a refusal or a lost ack is what a real phone lives with too."""
        try:
            return await action
        except Exception:  # noqa: BLE001 - the person carries on
            return None

    async def attend(self):
        """React to what the phone shows, each thing once, until the rehearsal stops."""
        while not self.rehearsal.stop.is_set():
            await wait_for(self.changed, 5)
            self.changed.clear()
            self.notice()

    def notice(self):
        phone = self.phone
        activity, mine = phone.activity, phone.mine or {}
        if not activity or not phone.me:
            return
        kind, key = activity["kind"], activity["id"]
        if kind in ANSWERS and activity.get("open") and mine.get("answer") is None:
            self.once(("answer", key), lambda: self.answer(key))
        elif kind in POSTS:
            self.once(("posts", key), lambda: self.posts(key))
        elif kind == "connect":
            number = (activity.get("round") or {}).get("number")
            group = phone.group
            if mine.get("sitting_out"):
                self.once(("back", key, number), lambda: self.come_back(key, number))
            elif group and not group["found"] and (activity.get("round") or {}).get("running"):
                self.once(("group", key, number, group["number"]),
                          lambda: self.meet(key, number))
            if mine.get("met"):
                self.once(("contact", key), self.share_contact)
        # Any other kind (a message, one this crowd does not know): nothing to do.

    def once(self, key, start):
        if key not in self.done:
            self.done.add(key)
            self.rehearsal.spawn(start())

    async def answer(self, activity_id):
        """Answer the prompt, after a moment's thought (before its deadline, mostly);
        some never answer, a few change their mind."""
        if self.keen < 0.08:
            return
        for turn in range(2 if self.r.random() < 0.1 else 1):
            wait = self.delay(4 + 10 * turn)
            deadline = (self.phone.activity or {}).get("deadline")
            if deadline:
                wait = min(wait, max(0.5, (deadline - self.rehearsal.server_time()) * 0.8)
                           / self.rehearsal.pace)
            if await self.pause(wait) or not self.still(activity_id):
                return
            if (self.phone.activity or {}).get("open"):
                await self.send(self.phone.answer())

    async def posts(self, activity_id):
        """Ask (or post) a question, reflection or idea or two, and vote for a few."""
        kind = self.phone.kind
        share = {"qa": 0.25, "reflection": 0.5, "ideas": 0.45}[kind] * (0.5 + self.keen)
        asks = (self.r.random() < share) + (self.r.random() < share / 4)
        votes = self.r.choice((0, 1, 2, 2, 3, 4, 5)) if self.keen > 0.1 else 0
        plan = ["ask"] * asks + ["vote"] * votes
        self.r.shuffle(plan)
        for step in plan:
            if await self.pause(self.delay(8)) or not self.still(activity_id):
                return
            if step == "ask":
                ack = await self.send(self.phone.ask())
                if ack and ack.get("error") == "too_soon":  # one at a time: wait, once
                    gap = ((self.phone.activity or {}).get("settings") or {}).get(
                        "min_interval", 10)
                    if await self.pause(gap + 1) or not self.still(activity_id):
                        return
                    await self.send(self.phone.ask())
            elif self.phone.votable():
                await self.send(self.phone.vote())

    async def meet(self, activity_id, number):
        """Find the group on their card: most soon, some late, some cannot find them
        (and are regrouped), a few sit the round out."""
        roll = self.r.random()
        if roll < 0.05:
            if not await self.pause(self.delay(3)) and self.still(activity_id, number):
                await self.send(self.phone.sit_out(True))
            return
        wait = self.delay(45 if roll < 0.25 else 12)
        round_ = (self.phone.activity or {}).get("round") or {}
        if round_.get("ends_at"):  # nobody taps after the round
            wait = min(wait, max(1.0, (round_["ends_at"] - self.rehearsal.server_time()) * 0.9)
                       / self.rehearsal.pace)
        if await self.pause(wait) or not self.still(activity_id, number):
            return
        group = self.phone.group
        if not group or group["found"]:
            return  # their partner tapped for both
        if roll < 0.13:
            await self.send(self.phone.cant_find())
            return
        others = [m for m in group["members"] if not m["known"]]
        if others and self.r.random() < 0.05:
            await self.send(self.phone.know(self.r.choice(others)["id"]))
        await self.send(self.phone.found())

    async def come_back(self, activity_id, number):
        """Having sat a round out, half come back for the next one."""
        if number is None or ("sat", activity_id) in self.done:
            self.done.add(("sat", activity_id))
            return
        if self.r.random() < 0.5 and not await self.pause(self.delay(5)) \
                and self.still(activity_id, number):
            await self.send(self.phone.sit_out(False))

    async def share_contact(self):
        """Once the summary is shown, some share a way to reach them."""
        if self.r.random() < 0.3:
            name = (self.phone.me or {}).get("name") or "delegate"
            address = ".".join(p.strip(".").lower() for p in name.split() if len(p) > 2)
            await self.send(self.phone.call("connect:contact",
                                            {"contact": f"{address}@example.org"}))


class Rehearsal:
    """The crowd of one rehearsal, its people and their tasks."""

    def __init__(self, args, people: list[dict], secret: str | None):
        self.args, self.pace, self.stop, self.tasks = args, args.pace, asyncio.Event(), set()
        self.rng = random.Random()
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

    def server_time(self) -> float:
        return time.time() + self.offset

    def spawn(self, coroutine):
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def enter(self, phone):
        """Join under a made-up name (another if that one is taken), then take part."""
        phone.random.seed(self.rng.random())
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
        print(f"rehearsal: {joined} phones joined; failed: {failures or 'none'}",
              file=sys.stderr)


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
