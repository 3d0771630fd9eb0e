#!/usr/bin/python3
"""The live view in a real browser, while a run goes.

`schedlab run --live --live-wait` on a lesson whose tasks sleep (a few seconds in all); headless
Chromium, driven by Selenium, opens the page it prints and checks, while tasks run: the task
stream gains bars between two looks, the progress numbers rise and end at the task count,
/api/state agrees with the page, the console has no errors and no request leaves 127.0.0.1.
After the end, screenshots at 1024x768 and 1920x1080 must not be blank; Ctrl-C then ends the
command with the run's own status (0).

Usage: live_browser_test.py SCHEDLAB_BIN. Exits 77 (skipped) where Chromium, chromedriver or
Selenium is missing, unless SCHEDLAB_CI is set (CI must not skip it). SCHEDLAB_LIVE_SHOTS=DIR
keeps the screenshots (one mid-run, two after) for a person to look at.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request


def skip(why):
    if os.environ.get("SCHEDLAB_CI"):
        print(f"FAIL: {why} (CI must run this test: scripts/install-deps.sh installs it)")
        sys.exit(1)
    print(f"SKIP: {why} (Debian: apt-get install chromium chromium-driver python3-selenium)")
    sys.exit(77)


def fail(why):
    print(f"FAIL: {why}")
    sys.exit(1)


try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
except ImportError:
    skip("no Selenium for Python here")
chromium = shutil.which("chromium") or shutil.which("chromium-browser")
chromedriver = shutil.which("chromedriver")
if not chromium or not chromedriver:
    skip("no Chromium or chromedriver here")

schedlab = sys.argv[1]
work = tempfile.mkdtemp(prefix="schedlab_live.")
shots = os.environ.get("SCHEDLAB_LIVE_SHOTS")

# inc-dec-add sleeps a unit per task: 31 tasks of 60 ms, about 1.9 s a run on sync and 1 s on
# threads; one profile run and one measured run a cell.
command = [schedlab, "run", "-S", "inc-dec-add", "-s", "sync", "-s", "threads", "-w", "2",
           "--unit", "60ms", "-r", "1", "--out", os.path.join(work, "out"), "-q",
           "--live", "--live-wait"]
proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                        start_new_session=True)
stderr_lines = []
url_ready = threading.Event()


def read_stderr():
    for line in proc.stderr:
        stderr_lines.append(line)
        if line.startswith("Live view: http"):
            url_ready.set()


threading.Thread(target=read_stderr, daemon=True).start()
driver = None


def finish(code):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    if driver:
        driver.quit()
    shutil.rmtree(work, ignore_errors=True)
    sys.exit(code)


try:
    if not url_ready.wait(30):
        fail("no 'Live view:' line on standard error: " + "".join(stderr_lines))
    url = next(l for l in stderr_lines if l.startswith("Live view: ")).split()[2]
    if not url.startswith("http://127.0.0.1:"):
        fail(f"the live view does not listen on 127.0.0.1 by default: {url}")
    base = url.rstrip("/")

    def api_state():
        with urllib.request.urlopen(base + "/api/state", timeout=5) as r:
            return json.load(r)

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--window-size=1024,768", "--no-first-run",
                # Every other host resolves to nothing: a request for the network cannot succeed.
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]:
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    driver.set_page_load_timeout(20)
    driver.get(url)

    def page():
        return driver.execute_script(
            "const d = document.body.dataset; return {bars: +(d.bars || 0), "
            "done: +(d.tasksDone || 0), total: +(d.tasksTotal || 0), finished: d.finished, "
            "run: window.schedlabLive ? window.schedlabLive.batches : 0};")

    def wait_for(what, predicate, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline:
            p = page()
            if predicate(p):
                return p
            time.sleep(0.05)
        fail(f"waited {seconds} s for {what}; the page shows {page()}")

    # Two looks while tasks run: the stream has more bars, progress has risen.
    first = wait_for("the first bars", lambda p: p["bars"] > 0 and p["finished"] == "false", 30)
    time.sleep(0.6)
    second = page()
    state = api_state()
    print(f"first look {first}, second look {second}, /api/state tasks_done "
          f"{state['tasks_done']} of {state['tasks_total']} (run {state['run']})")
    if second["finished"] != "true" and second["bars"] <= first["bars"]:
        fail(f"the task stream gained no bars in 0.6 s: {first} then {second}")
    if second["done"] <= first["done"] and second["bars"] - first["bars"] < 2:
        fail(f"progress did not rise: {first} then {second}")
    if state["tasks_total"] != second["total"]:
        fail(f"/api/state says {state['tasks_total']} tasks, the page {second['total']}")
    drawn = driver.execute_script("return window.schedlabLive.drawn;")
    if drawn <= 0:
        fail("the task stream canvas drew no bars")
    if shots:
        os.makedirs(shots, exist_ok=True)
        driver.save_screenshot(os.path.join(shots, "live-running-1024.png"))

    # The end: the last run's progress at its task count, the page and the API agreeing.
    last = wait_for("the end of the run", lambda p: p["finished"] == "true", 60)
    state = api_state()
    if not state["finished"] or state["outcome"] != "completed":
        fail(f"/api/state at the end: finished {state['finished']}, outcome {state['outcome']}")
    if last["done"] != last["total"] or last["total"] != 31:
        fail(f"progress ended at {last['done']} of {last['total']}, not 31 of 31")
    if (state["tasks_done"], state["tasks_total"]) != (last["done"], last["total"]):
        fail(f"/api/state says {state['tasks_done']}/{state['tasks_total']}, the page "
             f"{last['done']}/{last['total']}")
    counts = driver.execute_script(
        "return [...document.querySelectorAll('#groups .count')].map(e => e.textContent);")
    want = [f"{g['done']}/{g['total']}" for g in state["groups"]]
    if counts != want or counts != ["10/10", "10/10", "10/10", "1/1"]:
        fail(f"progress bars {counts}, /api/state {want}")
    status = driver.find_element("id", "status").text
    if "completed" not in status:
        fail(f"the page does not say the run ended: '{status}'")

    # Nothing but the live view itself was asked for.
    requests = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name);")
    outside = [r for r in requests if not r.startswith(base + "/")]
    if outside:
        fail(f"requests left 127.0.0.1: {outside}")
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    if errors:
        fail(f"console errors: {errors}")

    # Not blank: a page with its panels drawn compresses far worse than an empty one.
    sizes = {}
    for w, h in [(1024, 768), (1920, 1080)]:
        driver.set_window_size(w, h)
        time.sleep(0.3)
        png = driver.get_screenshot_as_png()
        sizes[(w, h)] = len(png)
        if shots:
            with open(os.path.join(shots, f"live-ended-{w}.png"), "wb") as f:
                f.write(png)
    driver.get("about:blank")
    blank = len(driver.get_screenshot_as_png())
    print(f"screenshots: {sizes} bytes, blank {blank}")
    if min(sizes.values()) < 3 * blank:
        fail(f"a screenshot looks blank: {sizes}, blank page {blank}")

    # --live-wait kept the view up; Ctrl-C ends the command with the run's status.
    if proc.poll() is not None:
        fail(f"--live-wait did not keep schedlab running (exit {proc.returncode})")
    os.killpg(proc.pid, signal.SIGINT)
    try:
        code = proc.wait(20)
    except subprocess.TimeoutExpired:
        fail("Ctrl-C did not end --live-wait within 20 s")
    if code != 0:
        fail(f"exit {code} after Ctrl-C in --live-wait (want the run's 0): {''.join(stderr_lines)}")
    print("PASS")
    finish(0)
except SystemExit as e:
    if e.code not in (0, None) and proc.poll() is None:
        print("schedlab's standard error:\n" + "".join(stderr_lines))
    if driver:
        driver.quit()
        driver = None
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    shutil.rmtree(work, ignore_errors=True)
    raise
