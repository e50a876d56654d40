"""Build the frozen program and check that it works as shipped (CI runs this after the tests).

    python packaging/smoke.py                    # build into a temp folder, then check it
    python packaging/smoke.py --dist dist --no-build   # check a folder built earlier

Checks, each in a fresh process with every per-user folder in a temp folder:

1. the window starts offscreen, opens the bundled KB (67 rules), finds Qt's Russian
   translations, and closes by itself (``KB_BROWSER_SMOKE``: desktop_app/app.py);
2. ``kb-browser-cli list --json`` lists the 67 bundled rules;
3. ``kb-browser-cli index`` builds a generated KB of 600 articles with writer processes started
   by *spawn*, the way Windows starts them (two segments on a 2-core machine);
4. ``kb-browser-cli search --json`` finds a word of one generated article, and «роуминг» in the
   bundled KB;
5. ``kb-browser.ini`` beside the program points the window at the generated KB, whose index it
   builds with spawned workers from the running GUI.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _load_build():
    """packaging/build.py, beside this file (loaded by path: ``build`` is also a PyPI package)."""
    spec = importlib.util.spec_from_file_location("kb_browser_build", Path(__file__).with_name("build.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build()
BUNDLED_RULES = 67
GENERATED_ARTICLES = 600
STEP_TIMEOUT = 120  # a 600-article build takes 3–6 s: a hang (no freeze_support) fails fast
EXE_SUFFIX = ".exe" if sys.platform == "win32" else ""


class SmokeFailure(Exception):
    pass


def generate_kb(folder: Path, articles: int = GENERATED_ARTICLES, rules: int = 5) -> None:
    """``articles`` small articles; article N's rules carry the made-up word ``маркерN``."""
    folder.mkdir(parents=True, exist_ok=True)
    words = "тарификация роуминг портация клиента номер баланс перевод линия заявка"
    for n in range(articles):
        items = "\n".join(f"{r}. Правило {r}: маркер{n} {words} {n * rules + r}" for r in range(1, rules + 1))
        text = (
            f"---\nid: gen-{n:04d}\ntitle: Статья {n}\nline: СС\norder: {n + 1}\n---\n\n"
            f"# Статья {n}\n\n## Вопросы {{#q}}\n\n{items}\n"
        )
        (folder / f"gen-{n:04d}.md").write_text(text, encoding="utf-8")


def user_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of one run: offscreen Qt, every per-user folder under ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_BROWSER_")}
    env.update(QT_QPA_PLATFORM="offscreen", PYTHONIOENCODING="utf-8")
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "LOCALAPPDATA"):
        env[var] = str(home / var.lower())
    env.update(KB_BROWSER_CONFIG_DIR=str(home / "config"), KB_BROWSER_LOG_DIR=str(home / "logs"))
    env.update(extra)
    return env


def run(program: Path, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    started = time.monotonic()
    done = subprocess.run(
        [str(program), *args], env=env, capture_output=True, timeout=STEP_TIMEOUT, check=False
    )
    seconds = time.monotonic() - started
    print(f"  {program.name} {' '.join(args)}: exit {done.returncode} in {seconds:.1f} s", flush=True)
    if done.returncode != 0:
        raise SmokeFailure(f"{program.name} {args} exited {done.returncode}:\n{_text(done.stderr)}")
    return done


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def check_window(folder: Path, home: Path, **env: str) -> dict:
    """Start the window; it writes what it shows to a report file and quits."""
    report = home / "window.json"
    report.unlink(missing_ok=True)
    run(folder / f"kb-browser{EXE_SUFFIX}", [], user_env(home, KB_BROWSER_SMOKE=str(report), **env))
    if not report.is_file():
        raise SmokeFailure("the window quit without writing its report")
    facts = json.loads(report.read_text(encoding="utf-8"))
    expect(facts["visible"] and facts["frozen"], f"window not shown or not frozen: {facts}")
    expect(facts["qt_russian"], "Qt's Russian translations were not found")
    expect(facts.get("morphology") is not False, "the morphological dictionary did not load")
    return facts


def check_bundled(folder: Path, home: Path) -> None:
    facts = check_window(folder, home)
    expect(facts["rules"] == BUNDLED_RULES, f"window opened {facts['rules']} rules, not {BUNDLED_RULES}")
    expect(facts["banner"] == "demo", f"no demo-KB banner: {facts}")
    listing = json.loads(_text(run(cli(folder), ["list", "--json"], user_env(home)).stdout))
    rules = sum(len(article["rules"]) for article in listing["articles"])
    expect(rules == BUNDLED_RULES, f"list --json printed {rules} rules, not {BUNDLED_RULES}")
    first = search(folder, home, "роуминг", [])
    expect(first == "ss/finance/3", f"«роуминг» found {first}, not ss/finance/3")


def check_generated(folder: Path, home: Path) -> None:
    kb, index = home / "generated-kb", home / "generated-index"
    generate_kb(kb)
    env = user_env(home, KB_BROWSER_START_METHOD="spawn")
    out = _text(run(cli(folder), ["index", "--kb", str(kb), "--index", str(index)], env).stdout)
    expect(f"{GENERATED_ARTICLES}" in out.replace("\u00a0", "").replace(" ", ""), f"index said: {out}")
    segments = {p.name.split(".")[0] for p in index.rglob("MAIN_*.*") if p.name != "MAIN_WRITELOCK"}
    if (os.cpu_count() or 1) >= 2:
        expect(len(segments) >= 2, f"one segment: the build ran no worker processes ({sorted(segments)})")
    first = search(folder, home, "маркер123", ["--kb", str(kb), "--index", str(index)])
    expect(first is not None and first.startswith("gen-0123/"), f"«маркер123» found {first}")


def check_ini(folder: Path, home: Path) -> None:
    """An ini file beside the program chooses the KB; the window indexes it with spawned workers."""
    kb = home / "generated-kb"
    ini = folder / "kb-browser.ini"
    if ini.exists():
        print(f"  skipped: {ini} exists (a deployment's own settings are left alone)")
        return
    ini.write_text(f"# written by the smoke test\nkb = {kb}\n", encoding="utf-8")
    try:
        facts = check_window(folder, home, KB_BROWSER_START_METHOD="spawn")
    finally:
        ini.unlink()
    expect(Path(facts["kb_dir"]) == kb, f"the window opened {facts['kb_dir']}, not the ini's {kb}")
    expect(facts["rules"] == GENERATED_ARTICLES * 5, f"window opened {facts['rules']} rules")
    expect(facts["banner"] == "", f"a banner on a configured, reachable KB: {facts}")


def search(folder: Path, home: Path, query: str, extra: list[str]) -> str | None:
    out = run(cli(folder), ["search", query, "--json", *extra], user_env(home)).stdout
    hits = json.loads(_text(out))["hits"]
    return hits[0]["id"] if hits else None


def cli(folder: Path) -> Path:
    return folder / f"kb-browser-cli{EXE_SUFFIX}"


def expect(condition: object, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


def check(folder: Path, home: Path) -> None:
    for step in (check_bundled, check_generated, check_ini):
        print(f"{step.__name__}:", flush=True)
        step(folder, home)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the frozen kb-browser and check it.")
    parser.add_argument("--dist", type=Path, help="where to build (default: a temp folder)")
    parser.add_argument("--no-build", action="store_true", help="check DIST/kb-browser as it is")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kb-smoke-") as tmp:
        dist = args.dist or Path(tmp) / "dist"
        if not args.no_build:
            code = build.main(["--dist", str(dist), "--work", str(Path(tmp) / "work")])
            if code:
                return code
        home = Path(tmp) / "home"
        home.mkdir()
        try:
            check(dist / build.APP_NAME, home)
        except (SmokeFailure, subprocess.TimeoutExpired) as exc:
            sys.stderr.write(f"frozen smoke test FAILED: {exc}\n")
            return 1
    print("frozen smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
