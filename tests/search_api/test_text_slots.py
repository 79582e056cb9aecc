"""Text searches take turns (search_api/text_slots.py): past KATDIR_TEXT_SEARCHES at once on
the machine, a text search is a 503 with Retry-After; searches by place never wait."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from search_api.text_slots import NICENESS, TextSearchBusy, TextSlots

TEXT = "/api/v1/clinics/search?near=80202&radius=50&q=ketamine"
PLACE = "/api/v1/clinics/search?near=80202&radius=50"


@pytest.fixture
def app(app_on, clinics_url):
    return app_on(
        clinics_url,
        KATDIR_TEXT_SEARCHES="1",
        KATDIR_ANSWER_CACHE_MB="0",
        KATDIR_RATE_LIMIT="off",
    )


def test_a_text_search_past_the_limit_is_a_503_with_retry_after(app):
    client, slots = app.test_client(), app.extensions["katdir.text_slots"]
    with slots.held():  # another request's text search is running
        busy = client.get(TEXT)
        assert busy.status_code == 503 and busy.headers["Retry-After"] == "1"
        error = busy.get_json()["error"]
        assert error["code"] == "text_search_busy" and "without a text" in error["message"]
        page = client.get("/?near=80202&radius=50&q=ketamine")
        assert page.status_code == 503 and page.headers["Retry-After"] == "1"
        assert client.get(PLACE).status_code == 200  # a search by place does not wait
    assert client.get(TEXT).status_code == 200
    assert slots.refused == 2


def test_the_slots_are_shared_by_every_process_of_the_var_folder(app, tmp_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from search_api.text_slots import TextSlots
        with TextSlots(Path({str(tmp_path / "text-search-slots")!r}), 1).held():
            print("holding", flush=True)
            sys.stdin.readline()
        """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        assert app.test_client().get(TEXT).status_code == 503
    finally:
        holder.communicate("\n", timeout=30)
    assert app.test_client().get(TEXT).status_code == 200  # released when the other let go


def test_a_slot_is_freed_when_its_holder_dies(tmp_path):
    folder = tmp_path / "slots"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        from pathlib import Path
        from search_api.text_slots import TextSlots
        slots = TextSlots(Path({str(folder)!r}), 1)
        held = slots.held()
        held.__enter__()  # kept: a dropped context would release it
        print("holding", flush=True)
        import time; time.sleep(60)
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "holding"
    slots = TextSlots(folder, 1)
    with pytest.raises(TextSearchBusy), slots.held():
        pass
    holder.kill()
    holder.wait(30)
    with slots.held():
        pass


def test_threads_of_one_process_take_distinct_slots(tmp_path):
    slots = TextSlots(tmp_path, 2)
    with slots.held(), slots.held():
        with pytest.raises(TextSearchBusy), slots.held():
            pass


def test_a_kept_text_answer_needs_no_slot(app_on, clinics_url):
    app = app_on(clinics_url, KATDIR_TEXT_SEARCHES="1")
    client = app.test_client()
    first = client.get(TEXT)
    with app.extensions["katdir.text_slots"].held():
        again = client.get(TEXT)
    assert again.status_code == 200 and again.get_data() == first.get_data()


def test_a_text_search_runs_at_a_lower_cpu_priority(tmp_path):
    import os
    import threading

    slots = TextSlots(tmp_path, 1)

    def niceness() -> tuple[int, str]:
        return (
            os.getpriority(os.PRIO_PROCESS, threading.get_native_id()),
            threading.current_thread().name,
        )

    nice, name = slots.run(niceness)
    assert name.startswith("text-search")
    # The kernel's ceiling is 19: a suite run under `nice -n 10` gets 19, not 20.
    assert nice == min(19, os.getpriority(os.PRIO_PROCESS, 0) + NICENESS)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) < nice  # not this one


def test_a_refusal_is_sent_before_flask_with_flasks_own_status_headers_and_body(app):
    """Past the first refusal (made by Flask), the API's refusals are answered before the
    app sees the request — the same bytes, a fraction of the work."""
    seen = []
    app.before_request(lambda: seen.append(1))
    client, slots = app.test_client(), app.extensions["katdir.text_slots"]
    with slots.held():
        first = client.get(TEXT + "&sort=relevance")
        assert len(seen) == 1  # Flask made the first refusal
        later = [client.get(f"{TEXT}&radius={r}") for r in (5, 10, 500)]
        assert len(seen) == 1  # and none of the others
        later.append(client.get(TEXT, headers={"Origin": "https://elsewhere.example"}))
        assert client.get(PLACE).status_code == 200  # searches by place go to Flask
    assert len(seen) == 2
    assert slots.refused == 5
    for refused in [first, *later]:
        assert refused.status_code == 503 and refused.data == first.data
        assert refused.headers == first.headers
    assert first.get_json()["error"]["code"] == "text_search_busy"
    for name in ("Retry-After", "Content-Security-Policy", "X-Content-Type-Options"):
        assert first.headers[name]
    assert client.get(TEXT).status_code == 200  # its slot taken before Flask, used in it
