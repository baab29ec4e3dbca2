"""Planning a rotation ahead from the control screen: form, printable table, CSV."""
import io

from conftest import DATA


def test_plan_a_rotation_for_the_workshops_delegates(client, workshops):
    w = workshops.create()
    client.post(f"/control/{w['key']}/roster", content_type="multipart/form-data",
                data={"file": (io.BytesIO((DATA / "roster-24.csv").read_bytes()), "r.csv")})
    form = client.get(f"/control/{w['key']}/plan")
    assert form.status_code == 200 and "24 named delegates" in form.get_data(as_text=True)
    made = client.post(f"/control/{w['key']}/plan", data={
        "who": "delegates", "group_size": "4", "rounds": "5",
        "separate_organisations": "on"})
    assert made.status_code == 303
    page = client.get(made.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "nobody meets anyone twice" in html
    assert html.count("<h2>Round ") == 5
    csv_text = client.get(made.headers["Location"] + ".csv").get_data(as_text=True)
    lines = csv_text.strip().splitlines()
    assert lines[0].lstrip("\ufeff") == "round,group,name,organisation"
    assert len(lines) == 1 + 24 * 5


def test_plan_for_a_number_of_people_and_bad_input(client, workshops):
    w = workshops.create()
    url = f"/control/{w['key']}/plan"
    empty = client.post(url, data={"who": "delegates", "group_size": "4", "rounds": "3"})
    assert empty.status_code == 400 and "fewer than two" in empty.get_data(as_text=True)
    made = client.post(url, data={"who": "number", "people": "32", "group_size": "4",
                                  "rounds": "8"})
    assert made.status_code == 303
    html = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "nobody meets anyone twice" in html and html.count("<h2>Round ") == 8
    for bad in ({"group_size": "7", "rounds": "3"}, {"group_size": "4", "rounds": "0"},
                {"group_size": "x", "rounds": "3"}, {"group_size": "4", "rounds": "3",
                                                     "people": "1"}):
        answer = client.post(url, data={"who": "number", "people": "12", **bad})
        assert answer.status_code == 400 and 'class="error"' in answer.get_data(as_text=True)
    assert client.get("/control/wrong-key-123456789/plan").status_code == 404
    assert client.get(f"/control/{w['key']}/plans/999").status_code == 404
