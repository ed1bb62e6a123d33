"""Every flag a command's --help lists is documented in its man page, every
server and agent flag is a key in configs/{server,agent}.yaml, and every
man page renders without warnings. Walks the command tree from
`gantry --help`, so a new flag or subcommand without documentation fails."""
import re
import subprocess
import sys
from pathlib import Path

from checks_lib import failures, report

GANTRY, ROOT, MAN_BUILD = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])

# Flags every command has, or that are not settings (described once in gantry(1)).
UNDOCUMENTED_EVERYWHERE = {"--help"}
NOT_CONFIG_KEYS = {"--help", "--config", "--restore"}


def help_text(path):
    out = subprocess.run([GANTRY, *path, "--help"], capture_output=True, text=True, timeout=30)
    return out.stdout + out.stderr


def section(text, title):
    """The indented lines under `title:` in CLI11's help."""
    lines, inside = [], False
    for line in text.splitlines():
        if line.rstrip() == f"{title}:":
            inside = True
        elif inside and line and not line.startswith(" "):
            inside = False
        elif inside:
            lines.append(line)
    return lines


def flags(text):
    found = set()
    for line in section(text, "Options"):
        m = re.match(r"\s+(?:-\w,)?(--[a-z][a-z0-9-]*)", line)
        if m:
            found.add(m.group(1))
    return found


def subcommands(text):
    return [m.group(1) for line in section(text, "Subcommands") if (m := re.match(r"\s{2}([a-z][a-z0-9-]*)\s", line))]


def man_page(path):
    first = path[0] if path else ""
    return {"server": "gantry-server.8", "agent": "gantry-agent.8", "ctl": "gantry-ctl.1",
            "bench": "gantry-bench.1", "snapshot": "gantry-snapshot.8"}.get(first, "gantry.1")


def walk(path=()):
    text = help_text(path)
    yield path, text
    for sub in subcommands(text):
        yield from walk((*path, sub))


commands = list(walk())
report(f"the command tree has its commands ({len(commands)} with their subcommands)",
       len(commands) > 40, [" ".join(p) for p, _ in commands])
for path, text in commands:
    page = man_page(path)
    source = (ROOT / "man" / f"{page}.scd").read_text()
    missing = sorted(f for f in flags(text) - UNDOCUMENTED_EVERYWHERE if f"*{f}*" not in source)
    report(f"man {page} documents every flag of gantry {' '.join(path) or '(global)'}", not missing,
           f"not in man/{page}.scd: {' '.join(missing)}")

for role in ("server", "agent"):
    config = (ROOT / "configs" / f"{role}.yaml").read_text()
    keys = set(re.findall(r"^#? ?([a-z][a-z0-9-]*):", config, re.M))
    missing = sorted(f for f in flags(help_text((role,))) - NOT_CONFIG_KEYS if f[2:] not in keys)
    report(f"configs/{role}.yaml lists every flag of gantry {role} as a key", not missing,
           f"missing keys: {' '.join(missing)}")

for page in sorted(MAN_BUILD.glob("gantry*.[18]")):
    out = subprocess.run(["man", "--warnings", "-l", str(page)], capture_output=True, text=True,
                         env={"MANWIDTH": "80", "PATH": "/usr/bin:/bin", "MAN_KEEP_STDERR": "1"}, timeout=60)
    report(f"man {page.name} renders without warnings", out.returncode == 0 and not out.stderr.strip()
           and len(out.stdout) > 500, out.stderr or out.stdout[:300])

sys.exit(1 if failures() else 0)
