"""The deadline surge, as locust users: every virtual user is one functional manager ticking this month's
checklist in the last days before the 30th — opening the page, answering items, attaching deliverables.

Started by bench/surge.py, which builds the database and writes the plan this file reads (SURGE_PLAN: one lead per
virtual user, their open checklist and its items) and names the log it appends to (SURGE_LOG: one JSON line per
request and per acknowledged tick or upload). The driver counts the ticks in the database against that log.

Think time is a lead's: reading an item, walking to the next counter. The run climbs through stages (SURGE_STAGES,
mean seconds between one lead's actions, e.g. "12,6,3,2.4,2,1.7"), each SURGE_STAGE_SECONDS long, counted from the moment the
last lead has signed in, so that the driver can report the highest request rate at which p95 stays within 300 ms;
after the last stage the swarm stops itself.

Every tick carries a unique note ``surge:<username>:<seq>``, so every acknowledged tick must leave exactly one history
row, and it never repeats the previous answer (an unchanged answer is a 200 without a row).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from pathlib import Path
from typing import Any

import gevent
from locust import HttpUser, events, task
from locust.exception import StopUser

PLAN = json.loads(Path(os.environ["SURGE_PLAN"]).read_text(encoding="utf-8"))
LOG = open(os.environ["SURGE_LOG"], "a", encoding="utf-8", buffering=1)  # noqa: SIM115  closed on quitting
LEADS = iter(PLAN["leads"])
STAGES = [float(s) for s in os.environ.get("SURGE_STAGES", "1.25").split(",")]
STAGE_SECONDS = float(os.environ.get("SURGE_STAGE_SECONDS", "60"))
SWARM = {"signed_in": 0, "users": int(os.environ.get("SURGE_USERS", "0")), "started": None}
HTMX = {"HX-Request": "true"}
# A minimal valid PDF: `filetype` recognises it from its first bytes, as audits/uploads.py requires.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
# What each request may answer; anything else is a failure (a 302 to the sign-in page would otherwise pass as a 200).
EXPECTED = {
    "sign-in page": {200},
    "sign-in": {302},
    "open cell": {302},
    "checklist": {200},
    "tick": {200, 422},  # 422: refused by a business rule, nothing saved
    "upload": {200, 422},
}


def log(record: dict[str, Any]) -> None:
    LOG.write(json.dumps(record, ensure_ascii=False) + "\n")


@events.request.add_listener
def record_request(request_type, name, response_time, response_length, response=None, exception=None, **kwargs) -> None:
    """Every request, with its status (0 when no response came back) and time, for the driver's own figures."""
    status = getattr(response, "status_code", 0) or 0
    log({"type": "request", "name": name, "status": status, "ms": response_time, "ok": exception is None, "at": time.time()})


def stage_now() -> int | None:
    """Which think-time stage the swarm is in: None while leads are still signing in; len(STAGES) once over."""
    if SWARM["started"] is None:
        return None
    return int((time.time() - SWARM["started"]) / STAGE_SECONDS)


@events.quitting.add_listener
def close_log(environment, **kwargs) -> None:
    LOG.close()


class Lead(HttpUser):
    """One functional manager: signs in once, then looks at the checklist, ticks items and uploads deliverables."""

    def wait_time(self) -> float:
        """Half to one and a half times the stage's mean think time; the opening stage's while others sign in."""
        stage = stage_now()
        if stage is not None and stage >= len(STAGES):
            gevent.spawn(self.environment.runner.quit)  # every stage done: the swarm stops itself
            return 1.0
        return STAGES[stage or 0] * self.rng.uniform(0.5, 1.5)

    def on_start(self) -> None:
        try:
            lead = next(LEADS)
        except StopIteration:
            raise StopUser() from None  # more users than leads in the plan: the driver never asks for that
        self.username: str = lead["username"]
        self.selfcheck: int = lead["selfcheck"]
        self.page = f"/audits/selfchecks/{self.selfcheck}/"
        self.items: list[dict[str, Any]] = lead["items"]
        self.last_status: dict[int, str] = {}
        self.files: dict[int, int] = {}
        self.seq = itertools.count(1)
        self.rng = random.Random(self.username)  # a load pattern, not a secret  # nosec B311
        self.sign_in(lead["password"])
        with self.client.get(lead["cell_url"], name="open cell", allow_redirects=False, catch_response=True) as response:
            if self.expect(response, "open cell") and not response.headers.get("Location", "").endswith(self.page):
                response.failure(f"open cell redirected to {response.headers.get('Location')}, not {self.page}")
        SWARM["signed_in"] += 1
        if SWARM["signed_in"] >= SWARM["users"] and SWARM["started"] is None:
            SWARM["started"] = time.time()
            log({"type": "stages", "started": SWARM["started"], "stages": STAGES, "seconds": STAGE_SECONDS})

    def sign_in(self, password: str) -> None:
        with self.client.get("/accounts/login/", name="sign-in page", catch_response=True) as response:
            self.expect(response, "sign-in page")
        with self.client.post(
            "/accounts/login/",
            data={"username": self.username, "password": password, "csrfmiddlewaretoken": self.csrf()},
            headers=self.post_headers("/accounts/login/"),
            name="sign-in",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if self.expect(response, "sign-in") and "/accounts/login/" in response.headers.get("Location", ""):
                response.failure("sign-in refused")

    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    def post_headers(self, referer_path: str) -> dict[str, str]:
        return {"X-CSRFToken": self.csrf(), "Referer": f"{self.host}{referer_path}"}

    def expect(self, response, name: str) -> bool:
        if response.status_code in EXPECTED[name]:
            response.success()  # 302 and 422 are expected answers here, not failures
            return True
        response.failure(f"HTTP {response.status_code}")
        return False

    @task(3)
    def view_checklist(self) -> None:
        with self.client.get(self.page, name="checklist", allow_redirects=False, catch_response=True) as response:
            self.expect(response, "checklist")

    @task(6)
    def tick(self) -> None:
        item = self.rng.choice(self.items)
        pk = item["pk"]
        # Done needs a file when the touchpoint expects a deliverable; without one, answer not done or N/A.
        choices = ["done", "not_done", "na"]
        if item["requires_deliverable"] and not self.files.get(pk):
            choices.remove("done")
        if self.last_status.get(pk) in choices and len(choices) > 1:
            choices.remove(self.last_status[pk])
        status = self.rng.choice(choices)
        note = f"surge:{self.username}:{next(self.seq)}"
        data = {"status": status, "note": note, "na_reason": "本月无此业务" if status == "na" else ""}
        with self.client.post(
            f"/audits/selfchecks/items/{pk}/",
            data=data,
            headers={**HTMX, **self.post_headers(self.page)},
            name="tick",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if self.expect(response, "tick") and response.status_code == 200:
                self.last_status[pk] = status
                log({"type": "tick", "item": pk, "note": note, "status": status, "user": self.username})
            elif response.status_code == 422:
                log({"type": "tick_refused", "item": pk, "note": note, "status": status, "user": self.username})

    @task(1)
    def upload(self) -> None:
        room = [i["pk"] for i in self.items if i["requires_deliverable"] and self.files.get(i["pk"], 0) < PLAN["max_files"]]
        if not room:
            return
        pk = self.rng.choice(room)
        with self.client.post(
            f"/audits/selfchecks/items/{pk}/files/",
            files={"files": (f"交付件-{pk}.pdf", PDF, "application/pdf")},
            headers={**HTMX, **self.post_headers(self.page)},
            name="upload",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if self.expect(response, "upload") and response.status_code == 200:
                self.files[pk] = self.files.get(pk, 0) + 1
                log({"type": "upload", "item": pk, "user": self.username})
            elif response.status_code == 422:
                log({"type": "upload_refused", "item": pk, "user": self.username})
