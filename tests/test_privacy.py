"""Personal data: exporting everything about a workshop, and deleting it for good."""
import collections
import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from facilitator import plugins, socketio
from facilitator.workshops import domain

# Tables that hold no workshop's data: the schema steps the database has had.
NOT_WORKSHOP_DATA: set[str] = {"schema_steps"}


def store_of(app):
    return app.extensions["facilitator.store"]


def tables(store) -> list[str]:
    return [r["name"] for r in store.all(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' "
        "order by name")]


def every_row(store) -> dict[str, collections.Counter]:
    """Every row of every table, comparable as a whole."""
    return {table: collections.Counter(json.dumps(r, sort_keys=True)
                                       for r in store.all(f"select * from {table}"))
            for table in tables(store)}


def file_bytes(app) -> bytes:
    """The database file and its write-ahead log, as they are on disk."""
    path = Path(app.config["DATABASE"])
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


class Event:
    """A workshop with something in every table, made through the screens as people do.

    Every text a person typed carries `tag`, so it can be looked for in the file.
    """

    def __init__(self, app, client, workshops, tag):
        self.tag = tag
        self.texts = {
            "title": f"Tamsinford {tag} away day",
            "roster name": f"Ysolde Marrowick{tag}",
            "roster organisation": f"Brackenwold{tag} Hospice",
            "accented name": f"Zoë Quennell{tag}",
            "walk-in name": f"Perpetua Hollowmere{tag}",
            "organisation": f"Orgathorpe{tag} Council",
            "role": f"Tissue viability{tag}",
            "question": f"Why is the Quarrendale{tag} ward closing?",
            "edited question": f"When will Quarrendale{tag} reopen?",
            "contact": f"hollowmere{tag}@example.org",
            "word": f"Glimmerwick{tag}",
            "idea": f"A night bus to Fenwarrow{tag}",
        }
        t = self.texts
        self.w = workshops.create(t["title"])
        key = self.w["key"]
        roster = (f"name,organisation,role,sector\n{t['roster name']},{t['roster organisation']},"
                  f"Matron,Hospice\n{t['accented name']},{t['roster organisation']},GP,Primary\n")
        assert client.post(f"/control/{key}/roster", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(roster.encode()), "r.csv")}).status_code == 200
        self.fac = workshops.facilitator(self.w)
        self.links = workshops.links(self.fac)
        self.screen = workshops.connect(role="screen", key=self.links["screen"])
        self.panel = workshops.connect(role="panel", key=self.links["panel"])
        self.phones = [workshops.phone(self.w, f"{t['walk-in name']} {i}",
                                       f"{t['organisation']} {i}", t["role"]) for i in range(4)]
        claimer = workshops.connect(role="delegate", code=self.w["code"])
        match = claimer.emit("roster:search", {"q": t["roster name"]}, callback=True)["matches"][0]
        ack = claimer.emit("delegate:claim", {"delegate_id": match["id"]}, callback=True)
        assert ack["ok"], ack
        claimer.me = ack["me"]
        self.phones.append(claimer)
        # Two organisation names merged as one (an alias row).
        assert self.fac.emit("delegate:merge_organisations", {
            "names": [f"{t['organisation']} 0", f"{t['organisation']} 1"],
            "canonical": f"{t['organisation']} 0"}, callback=True)["ok"]
        self.screens = [self.fac, self.screen, self.panel, *self.phones]
        self._connect(workshops)
        assert client.post(f"/control/{key}/plan", data={
            "who": "delegates", "group_size": "2", "rounds": "2"}).status_code == 303
        self._questions()
        self._prompt()
        self._dots()

    def add(self, **activity) -> int:
        ack = self.fac.emit("activity:add", activity, callback=True)
        assert ack["ok"], ack
        return ack["activity"]["id"]

    def _connect(self, workshops):
        activity_id = self.add(kind="connect", title="Meet", group_size=2, round_count=1,
                               minutes=5)
        assert self.fac.emit("connect:start", {"activity_id": activity_id},
                             callback=True)["ok"]
        first = self.phones[0]
        card = workshops.held(first)["mine"]
        partner_id = card["group"]["members"][0]["id"]
        assert first.emit("connect:know", {"delegate_id": partner_id}, callback=True)["ok"]
        for phone in self.phones[:4]:
            phone.emit("connect:found", {}, callback=True)
        assert self.phones[4].emit("connect:sit_out", {"sitting_out": True},
                                   callback=True)["ok"]
        assert self.fac.emit("connect:summary", {"activity_id": activity_id},
                             callback=True)["ok"]
        partner = next(p for p in self.phones if p.me["id"] == partner_id)
        for phone in (first, partner):
            assert phone.emit("connect:contact", {"contact": self.texts["contact"]},
                              callback=True)["ok"]

    def _questions(self):
        activity_id = self.add(kind="qa", title="Questions", min_interval=0)
        assert self.fac.emit("live:set", {"activity_id": activity_id}, callback=True)["ok"]
        ack = self.phones[0].emit("qa:ask", {"client_id": "q1", "text": self.texts["question"],
                                             "anonymous": False}, callback=True)
        assert ack["ok"], ack
        question_id = ack["question"]["id"]
        assert self.fac.emit("qa:moderate", {
            "activity_id": activity_id, "question_id": question_id, "action": "approve",
            "text": self.texts["edited question"]}, callback=True)["ok"]
        assert self.phones[1].emit("qa:vote", {"question_id": question_id, "up": True},
                                   callback=True)["ok"]
        assert self.fac.emit("qa:silence", {"activity_id": activity_id,
                                            "question_id": question_id}, callback=True)["ok"]

    def _prompt(self):
        activity_id = self.add(kind="wordcloud", title="One word", entries=1)
        assert self.fac.emit("live:set", {"activity_id": activity_id}, callback=True)["ok"]
        ack = self.phones[2].emit("prompt:answer", {"client_id": "w1",
                                                    "entries": [self.texts["word"]]},
                                  callback=True)
        assert ack["ok"], ack

    def _dots(self):
        """An idea board with a post, and a dot vote on its posts (which copies them)."""
        board = self.add(kind="ideas", title="Ideas", min_interval=0)
        assert self.fac.emit("live:set", {"activity_id": board}, callback=True)["ok"]
        ack = self.phones[3].emit("qa:ask", {"client_id": "i1", "text": self.texts["idea"]},
                                  callback=True)
        assert ack["ok"], ack
        post = ack["question"]["id"]
        vote = self.add(kind="dots", title="Vote", source="ideas", board=board)
        assert self.fac.emit("live:set", {"activity_id": vote}, callback=True)["ok"]
        ack = self.phones[1].emit("prompt:answer", {"client_id": "d1", "dots": [post, post]},
                                  callback=True)
        assert ack["ok"], ack

    def strings(self) -> list[bytes]:
        """Every typed text as the file could hold it: as typed and as compared."""
        out = []
        for text in self.texts.values():
            out += [text.encode(), text.casefold().encode()]
        return out


@pytest.fixture
def two(app, client, workshops):
    """Two workshops with data in every table: one to keep, then one to delete."""
    app.app_context().push()
    kept = Event(app, client, workshops, "Kp")
    before = every_row(store_of(app))
    doomed = Event(app, client, workshops, "Xq")
    return kept, doomed, before


def delete(client, event, **form):
    data = {"key": event.w["key"], "confirm": event.w["code"], **form}
    return client.post(f"/control/{event.w['key']}/delete", data=data)


def test_every_table_is_known_to_export_and_delete(app):
    listed = [table for table, _ in domain.owned_tables()]
    assert len(listed) == len(set(listed))
    missing = set(tables(store_of(app))) - set(listed) - NOT_WORKSHOP_DATA
    assert missing == set(), \
        f"add {sorted(missing)} to its kind's `owned` (or core's CORE_OWNED)"
    assert set(listed) <= set(tables(store_of(app)))
    assert not set(listed) & NOT_WORKSHOP_DATA
    # Conditions find rows by the workshop, its delegates and its activities alone.
    for table, condition in domain.owned_tables():
        named = set(re.findall(r":(\w+)", condition))
        assert named <= {"workshop", "delegates", "activities"}, (table, named)


def test_the_test_event_puts_something_in_every_table(app, two):
    kept, doomed, before = two
    after = every_row(store_of(app))
    empty = [t for t in after if t not in NOT_WORKSHOP_DATA and not after[t] - before[t]]
    assert empty == [], f"Event must put rows in {empty}, so deleting them is tested"


def test_deleting_leaves_no_row_and_no_byte_of_the_workshop(app, client, workshops, two):
    kept, doomed, before = two
    for sio in kept.screens + doomed.screens:
        sio.get_received()
    page = delete(client, doomed)
    assert page.status_code == 200 and "Workshop deleted" in page.get_data(as_text=True)
    # Every table holds exactly what it held before the deleted workshop was made.
    assert every_row(store_of(app)) == before
    # Nothing of what its people typed is left anywhere in the file or the log.
    data = file_bytes(app)
    assert [s for s in doomed.strings() if s in data] == []
    assert kept.texts["walk-in name"].encode() in data  # the search does find things
    # Its screens were told and dropped; the other workshop's were not.
    for sio in doomed.screens:
        assert not sio.is_connected()
        got = [e["name"] for e in sio.queue]  # what it heard before it was dropped
        assert got == ["workshop:deleted"], got
        assert "deleted this workshop" in sio.queue[0]["args"][0]["message"]
    for sio in kept.screens:
        assert "workshop:deleted" not in [e["name"] for e in sio.get_received()]
        assert sio.is_connected()
    # None of its links or codes work any more.
    key, code = doomed.w["key"], doomed.w["code"]
    for url in (f"/control/{key}", f"/control/{key}/export", f"/control/{key}/report",
                f"/j/{code}", f"/screen/{doomed.links['screen']}",
                f"/panel/{doomed.links['panel']}"):
        assert client.get(url).status_code == 404, url
    assert delete(client, doomed).status_code == 404
    for auth in ({"role": "facilitator", "key": key}, {"role": "delegate", "code": code}):
        assert not socketio.test_client(app, auth=auth).is_connected()
    # The kept workshop carries on.
    assert client.get(f"/control/{kept.w['key']}").status_code == 200
    assert kept.fac.emit("activity:add", {"kind": "message", "title": "Still here"},
                         callback=True)["ok"]


def test_a_second_pass_removes_rows_written_while_screens_were_dropped(app, two):
    kept, doomed, before = two
    store = store_of(app)
    owned = domain.delete_workshop(store, doomed.w["id"], clear=False)
    straggler = doomed.phones[0].me["id"]
    with store.write() as db:  # tables without a foreign key to stop a late write
        db.execute("insert into response_ids values (?, 'late')", [straggler])
        db.execute("insert into connect_people (activity_id, delegate_id) values (999, ?)",
                   [straggler])
    domain.delete_workshop(store, doomed.w["id"], owned)
    assert every_row(store) == before


@pytest.mark.parametrize("form, status", [
    ({"confirm": "WRONG1"}, 400),
    ({"confirm": ""}, 400),
    ({"key": ""}, 403),
    ({"key": "not-the-key-of-this-workshop"}, 403),
])
def test_delete_needs_the_key_in_the_form_and_the_code_or_title_typed(
        app, client, workshops, form, status):
    w = workshops.create("Kept day")
    response = client.post(f"/control/{w['key']}/delete",
                           data={"key": w["key"], "confirm": w["code"], **form})
    assert response.status_code == status
    assert "Nothing was deleted" in response.get_data(as_text=True)
    assert client.get(f"/control/{w['key']}").status_code == 200


def test_delete_refuses_other_sites_and_is_post_only(client, workshops):
    w = workshops.create("Kept day")
    url, form = f"/control/{w['key']}/delete", {"key": w["key"], "confirm": w["code"]}
    assert client.get(url).status_code == 405
    assert client.post(url, data=form, headers={"Origin": "http://evil.example"}).status_code \
        == 403
    assert client.post(url, data=form, headers={"Referer": "http://evil.example/x"}) \
        .status_code == 403
    assert client.get(f"/control/{w['key']}").status_code == 200
    assert client.post("/control/not-a-real-key-at-all/delete", data=form).status_code == 404


@pytest.mark.parametrize("typed, headers", [
    ("code", {"Origin": "http://localhost"}),  # the test client's own host
    ("lower code", {"Origin": "null"}),  # a form post under the no-referrer policy
    ("title", {}),
])
def test_delete_accepts_the_code_or_the_title_as_typed(client, workshops, typed, headers):
    w = workshops.create("Winter  Planning day")
    confirm = {"code": w["code"], "lower code": w["code"].lower(),
               "title": " winter planning DAY "}[typed]
    response = client.post(f"/control/{w['key']}/delete", headers=headers,
                           data={"key": w["key"], "confirm": confirm})
    assert response.status_code == 200
    assert client.get(f"/control/{w['key']}").status_code == 404


def test_the_control_screen_and_report_offer_export_and_delete(client, workshops):
    w = workshops.create("Kept day")
    html = client.get(f"/control/{w['key']}").get_data(as_text=True)
    assert f'href="/control/{w["key"]}/export"' in html
    form = re.search(r'<form id="delete-form".*?</form>', html, re.S).group(0)
    assert 'method="post"' in form and f'action="/control/{w["key"]}/delete"' in form
    assert f'name="key" value="{w["key"]}"' in form and 'name="confirm"' in form
    assert "download the data first" in form and "cannot be undone" in form
    report = client.get(f"/control/{w['key']}/report").get_data(as_text=True)
    assert f'href="/control/{w["key"]}/export"' in report


def test_export_holds_every_row_and_every_csv_but_no_secrets(app, client, two):
    kept, doomed, before = two
    response = client.get(f"/control/{doomed.w['key']}/export")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert re.fullmatch(rf'attachment; filename="workshop-{doomed.w["code"]}-\d{{8}}-\d{{4}}\.zip"',
                        response.headers["Content-Disposition"])
    assert response.headers["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    files = {name: archive.read(name) for name in archive.namelist()}
    data = json.loads(files["data.json"])["tables"]
    # Every table, with every row of this workshop and nothing else.
    store = store_of(app)
    assert set(data) == set(tables(store)) - NOT_WORKSHOP_DATA
    for table, rows in data.items():
        assert len(rows) == sum((every_row(store)[table] - before[table]).values()), table
        assert all(not set(row) & domain.SECRET_COLUMNS for row in rows), table
    delegates = {d["name"] for d in data["delegates"]}
    assert doomed.texts["roster name"] in delegates and doomed.texts["accented name"] in delegates
    assert data["contacts"][0]["contact"] == doomed.texts["contact"]
    assert data["responses"][0]["value"]["entries"] == [doomed.texts["word"]]
    # No hash of a secret, no key, nothing of the other workshop.
    everything = b"".join(files.values())
    secrets = [r[c] for t, c in (("workshops", "facilitator_hash"), ("workshops", "panel_hash"),
                                 ("workshops", "screen_hash"), ("delegates", "token_hash"))
               for r in store.all(f"select {c} from {t} where {c} is not null")]
    secrets += [doomed.w["key"], *doomed.links.values()]
    assert secrets and [s for s in secrets if s.encode() in everything] == []
    assert [s for s in kept.strings() if s in everything] == []
    # Each CSV the control screen offers for this workshop, byte for byte.
    offered = {}
    activities = store.all("select id, kind from activities where workshop_id = ?",
                           [doomed.w["id"]])
    plans = store.all("select id from plans where workshop_id = ?", [doomed.w["id"]])
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/control/<key>/") and rule.rule.endswith(".csv"):
            if rule.arguments == {"key", "activity_id", "name"}:
                values = [{"activity_id": a["id"], "name": export.name} for a in activities
                          for export in plugins.KINDS[a["kind"]].exports]
            else:
                assert rule.arguments == {"key", "plan_id"}, rule.rule
                values = [{"plan_id": row["id"]} for row in plans]
            for value in values:
                url = rule.build({"key": doomed.w["key"], **value})[1]
                got = client.get(url)
                assert got.status_code == 200, url
                filename = re.search(r'filename="([^"]+)"',
                                     got.headers["Content-Disposition"]).group(1)
                offered[f"csv/{filename}"] = got.get_data()
    # Every file each activity's kind offers, and the rotation: Connect's groups and
    # meetings, the questions, the word cloud's answers, the idea board's posts...
    assert sorted(offered) == sorted(
        [f"csv/{a['kind']}-{a['id']}-{e.name}.csv" for a in activities
         for e in plugins.KINDS[a["kind"]].exports]
        + [f"csv/rotation-{p['id']}.csv" for p in plans])
    kinds = {a["id"]: a["kind"] for a in activities}
    assert sorted(re.sub(r"-\d+", "", name) for name in offered) == [
        "csv/connect-groups.csv", "csv/connect-meetings.csv", "csv/dots-answers.csv",
        "csv/ideas-questions.csv", "csv/qa-questions.csv", "csv/rotation.csv",
        "csv/wordcloud-answers.csv"], kinds
    assert {n: files[n] for n in offered if n in files} == offered
    assert set(files) == {"README.txt", "data.json", "csv/delegates.csv", *offered}
    roster = files["csv/delegates.csv"].decode("utf-8-sig")
    assert doomed.texts["accented name"] in roster and doomed.texts["organisation"] in roster


def test_rows_moved_between_pages_while_deleting_leave_no_copies(app, client, workshops):
    # Deleting hundreds of rows of varied length moves the remaining ones between
    # pages, which can leave stale copies in the pages' free space that
    # secure_delete alone does not clear (this layout did, with SQLite 3.40).
    def roster(tag):
        return ("name,organisation,role\n" + "".join(
            f"Wendeline{tag} Ashcombe{'e' * (i * 7 % 41)} {i},Fernhallow{tag} Trust {i % 7},"
            f"Ward {i % 5}\n" for i in range(300))).encode()
    doomed, kept = workshops.create("Bulk one"), workshops.create("Bulk two")
    for w, tag in ((doomed, "Xq"), (kept, "Kp")):
        assert client.post(f"/control/{w['key']}/roster", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(roster(tag)), "r.csv")}).status_code == 200
    assert client.post(f"/control/{doomed['key']}/delete",
                       data={"key": doomed["key"], "confirm": doomed["code"]}).status_code == 200
    data = file_bytes(app)
    assert data.count(b"WendelineKp") == 300
    assert [s for s in (b"WendelineXq", b"wendelinexq", b"FernhallowXq") if s in data] == []
