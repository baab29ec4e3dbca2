"""HTTP pages: create, join by code, the screens' private links, roster import."""
import io

from conftest import DATA


def test_home_offers_create_and_join(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="title"' in html and 'name="code"' in html
    assert "Content-Security-Policy" in page.headers
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_create_shows_the_control_link_once(client, workshops):
    w = workshops.create("System day")
    control = client.get(f"/control/{w['key']}")
    assert control.status_code == 200
    html = control.get_data(as_text=True)
    assert "System day" in html and "will not be shown again" not in html
    assert control.headers["Cache-Control"] == "no-store"
    # Only the hash is stored.
    store = client.application.extensions["facilitator.store"]
    row = store.one("select * from workshops where id = ?", [w["id"]])
    assert w["key"] not in str(row)


def test_create_refuses_bad_titles(client):
    assert client.post("/", data={"title": "  "}).status_code == 400
    page = client.post("/", data={"title": "x" * 121})
    assert page.status_code == 400 and "too long" in page.get_data(as_text=True)


def test_password_protects_creation(tmp_path):
    from facilitator import create_app
    app = create_app({"DATABASE": str(tmp_path / "p.db"), "ASYNC_MODE": "threading",
                      "FACILITATOR_PASSWORD": "s3cret"})
    client = app.test_client()
    assert 'name="password"' in client.get("/").get_data(as_text=True)
    assert client.post("/", data={"title": "Day"}).status_code == 403
    assert client.post("/", data={"title": "Day", "password": "nope"}).status_code == 403
    assert client.post("/", data={"title": "Day", "password": "s3cret"}).status_code == 200
    app.extensions["facilitator.store"].close()


def test_codes_are_case_insensitive_and_unknown_ones_get_a_friendly_page(client, workshops):
    w = workshops.create()
    assert client.get(f"/j/{w['code']}").status_code == 200
    lower = client.get(f"/j/{w['code'].lower()}")
    assert lower.status_code == 302 and lower.headers["Location"].endswith(f"/j/{w['code']}")
    typed = client.get(f"/join?code={w['code'].lower()}")
    assert typed.status_code == 302
    unknown = client.get("/j/ACDEFG")
    assert unknown.status_code == 404
    assert "No workshop has that code" in unknown.get_data(as_text=True)
    assert client.get("/join?code=<script>").status_code == 404
    assert client.get("/join").status_code == 200


def test_qr_code_is_an_svg_made_locally(client, workshops):
    w = workshops.create()
    svg = client.get(f"/j/{w['code']}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert svg.get_data(as_text=True).startswith("<svg")
    assert 'xmlns="http://www.w3.org/2000/svg"' in svg.get_data(as_text=True)
    assert client.get("/j/ACDEFG/qr.svg").status_code == 404


def test_projector_shows_join_url_and_code(client, workshops):
    w = workshops.create()
    fac = workshops.facilitator(w)
    keys = workshops.links(fac)
    html = client.get(f"/screen/{keys['screen']}").get_data(as_text=True)
    assert f"http://venue.test:5000/j/{w['code']}" in html
    assert w["code"] in html and "qr.svg" in html
    assert client.get(f"/panel/{keys['panel']}").status_code == 200
    assert client.get(f"/screen/{keys['panel']}").status_code == 404
    assert client.get("/control/not-a-real-key-at-all").status_code == 404


def test_join_url_uses_lan_address_not_loopback(tmp_path, monkeypatch):
    from facilitator import create_app, network
    monkeypatch.setattr(network, "lan_addresses", lambda: ["192.168.4.20"])
    app = create_app({"DATABASE": str(tmp_path / "n.db"), "ASYNC_MODE": "threading",
                      "PORT": 5000})
    client = app.test_client()
    html = client.post("/", data={"title": "Day"}).get_data(as_text=True)
    assert "http://192.168.4.20:5000/j/" in html
    html = client.post("/", data={"title": "Day"}, base_url="http://10.1.1.5:8000").get_data(
        as_text=True)
    assert "http://10.1.1.5:8000/j/" in html
    app.extensions["facilitator.store"].close()


def test_roster_import(client, workshops):
    w = workshops.create()
    fac = workshops.facilitator(w)
    url = f"/control/{w['key']}/roster"
    data = {"file": (io.BytesIO((DATA / "roster-120.csv").read_bytes()), "r.csv")}
    report = client.post(url, data=data, content_type="multipart/form-data").get_json()
    assert report == {"ok": True, "added": 120, "already_present": 0, "problems": []}
    delegates = workshops.last(fac, "delegates")
    assert len(delegates) == 120 and not any(d["joined"] for d in delegates)
    again = {"file": (io.BytesIO((DATA / "roster-120.csv").read_bytes()), "r.csv")}
    report = client.post(url, data=again, content_type="multipart/form-data").get_json()
    assert report["added"] == 0 and report["already_present"] == 120
    assert client.post(url).status_code == 400
    bad = client.post("/control/wrong-key-0123456789/roster",
                      data={"file": (io.BytesIO(b"name,organisation\n"), "r.csv")},
                      content_type="multipart/form-data")
    assert bad.status_code == 403
