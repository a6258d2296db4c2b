"""Drives `toolbox sh` on a real pseudo-terminal (ShellInteractiveTests).

Usage: session.py TOOLBOX SCRATCH_DIR
Prints one line per failed check ("FAIL name: details") and "DONE" at the
end; the XCTest fails on any FAIL line or a missing DONE.
"""
import os, pty, select, sys, time, re

tb, scratch = sys.argv[1], sys.argv[2]
failures = []

def check(name, cond, detail=""):
    if not cond:
        failures.append(f"FAIL {name}: {detail!r}"[:2000])

# A "container": a process chrooted into scratch/ctr (its /proc/PID/root).
ctr = os.path.join(scratch, "ctr")
os.makedirs(os.path.join(ctr, "app"), exist_ok=True)
os.makedirs(os.path.join(ctr, "etc"), exist_ok=True)
open(os.path.join(ctr, "app", "config"), "w").write("listen=8080\n")
open(os.path.join(ctr, "etc", "hostname"), "w").write("inside\n")
open(os.path.join(scratch, "outside-secret"), "w").write("SECRET\n")
child = os.fork()
if child == 0:
    os.chroot(ctr)
    time.sleep(120)
    os._exit(0)

home = os.path.join(scratch, "home")
os.makedirs(home, exist_ok=True)
pid, fd = pty.fork()
if pid == 0:
    os.environ["HOME"] = home
    os.environ["TERM"] = "xterm"
    os.environ.pop("PS1", None)
    os.chdir(scratch)
    os.execv(tb, [tb, "sh"])

def read(t=0.6):
    out = b""
    end = time.time() + t
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
            end = max(end, time.time() + 0.15)
    return out.decode("utf-8", "replace")

def send(s, t=0.6):
    os.write(fd, s.encode() if isinstance(s, str) else s)
    return read(t)

def last_line(text):
    """The screen's last line after carriage returns (what the user sees)."""
    line = text.replace("\r\n", "\n").split("\n")[-1]
    return line.split("\r")[-1].replace("\x1b[K", "")

banner = read(1.5)
check("prompt shows user@host:/path#", re.search(r"\S+@\S+:" + re.escape(scratch) + r"[#$] $", banner), banner)

out = send("echo hello\r")
check("simple command", "\r\nhello\r\n" in out, out)

# editing: Ctrl-A, Ctrl-E, Left, Backspace, Delete, Ctrl-U, Ctrl-K, Ctrl-W, UTF-8
out = send("cho ab\x01e\x05c\r")
check("Ctrl-A/Ctrl-E insert at both ends", "\r\nabc\r\n" in out, out)
out = send("echo héllo\x1b[D\x1b[D\x1b[D\x7f\r")
check("UTF-8 aware Left and Backspace", "\r\nhllo\r\n" in out, out)
out = send("echo xyz\x1b[H\x1b[3~\x1b[3~\x1b[3~\x1b[3~\x1b[3~printf 'Q'\x1b[F-\r")
check("Home, Delete, End", "\r\nQxyz-" in out, out)
# a numeric escape parameter of 20 digits (pasted garbage) is ignored, not an overflow trap
out = send("echo big\x1b[99999999999999999999~\x1b[99999999999999999999D\r")
check("a 20-digit escape parameter is ignored", "\r\nbig\r\n" in out, out)
out = send("junk junk\x15echo cleared\r")
check("Ctrl-U kills the line", "\r\ncleared\r\n" in out, out)
out = send("echo keep drop\x1b[D\x1b[D\x1b[D\x1b[D\x0b\r")
check("Ctrl-K kills to the end", "\r\nkeep\r\n" in out, out)
out = send("echo one two\x17three\r")
check("Ctrl-W deletes a word", "\r\none three\r\n" in out, out)
out = send("\x0c")
check("Ctrl-L clears the screen", "\x1b[2J" in out, out)
send("\r")

# history: Up, Down, Ctrl-R
send("echo first-entry\r")
send("echo second-entry\r")
out = send("\x1b[A\x1b[A\r")
check("Up twice recalls the older command", "\r\nfirst-entry\r\n" in out, out)
out = send("\x12second\r")
check("Ctrl-R finds a command", "\r\nsecond-entry\r\n" in out, out)

# completion: builtins/applets, paths inside /proc/PID/root, /proc/<TAB>
out = send("ech\t")
check("Tab completes a builtin", last_line(out).endswith("echo "), out)
send("\x15")
out = send(f"cd /proc/{child}/root/ap\t")
check("Tab completes inside the container root", last_line(out).endswith(f"/proc/{child}/root/app/"), out)
out = send("\r")
out = send("pwd\r")
check("cd into the container root", f"\r\n/proc/{child}/root/app\r\n" in out, out)
out = send("cat con\t")
check("Tab completes a relative path in the container", last_line(out).endswith("cat config "), out)
out = send("\r")
check("cat of a container file", "listen=8080" in out, out)
out = send("cat ../etc/hostname ../../outside-secret\r")
check("relative .. stays in the container", "inside" in out and "SECRET" not in out, out)
out = send("echo ../../*\r")
check("globs stay in the container", "../../app" in out and "outside-secret" not in out, out)
out = send("cd ../..; pwd\r")
check("cd .. stops at the container root", f"\r\n/proc/{child}/root\r\n" in out, out)
out = send(f"cd {scratch}\r")
out = send("ls /proc/\t\t", 1.5)
check("/proc/<TAB> lists pids with command names", re.search(r"\b\d+ \(\S+\)", out), out[-500:])
send("\x15")

# Ctrl-C on a long runner, the shell survives
out = send("cat\r", 0.8)
out = send("\x03", 1.0)
check("Ctrl-C ends the foreground job", re.search(r"[#$] $", last_line(out)), out)
out = send("echo status $?\r")
check("status 130 after Ctrl-C", "status 130" in out, out)

# Ctrl-Z, jobs, fg (/bin/cat: it writes each line as it reads it)
out = send("/bin/cat\r", 0.8)
out = send("\x1a", 1.0)
check("Ctrl-Z stops the job", "Stopped" in out, out)
out = send("jobs\r")
check("jobs lists the stopped job", "Stopped" in out and "cat" in out, out)
out = send("fg\r", 1.0)
check("fg resumes it", "cat" in out, out)
out = send("resumed-input\r", 0.8)
check("the resumed job reads the terminal", "resumed-input\r\nresumed-input" in out, out)
out = send("\x03", 1.0)
out = send("echo alive\r")
check("shell alive after fg and Ctrl-C", "\r\nalive\r\n" in out, out)

# Ctrl-D on an empty line exits, and history was saved
out = send("\x04", 1.0)
try:
    _, st = os.waitpid(pid, 0)
    check("Ctrl-D exits", os.WIFEXITED(st), st)
except ChildProcessError as e:
    check("Ctrl-D exits", False, str(e))
hist = os.path.join(home, ".toolbox_history")
check("history saved to $HOME/.toolbox_history", os.path.exists(hist) and "second-entry" in open(hist).read(), hist)

os.kill(child, 9)
os.waitpid(child, 0)
for f in failures:
    print(f)
print("DONE")
