#!/usr/bin/env python3
"""Runs `TOOLBOX top ARGS...` in a pseudo-terminal (ROWSxCOLS from the
environment, default 50x200) and plays steps read as JSON from stdin:
  {"send": "P"}                  keys to type
  {"until": "frame"}             wait for the next full frame (ESC [ H)
  {"until": "text", "text": T}   wait until T appears in the output
  {"signal": 15}                 send a signal to top
  {"screen": true}               record the last frame's lines
Prints JSON: screens (list of line lists), exit code or signal, and whether
the terminal's termios after top ended equal those before it started."""
import fcntl, json, os, pty, re, select, signal, struct, sys, termios, time

tb, args = sys.argv[1], sys.argv[2:]
steps = json.load(sys.stdin)
rows, cols = int(os.environ.get("ROWS", "50")), int(os.environ.get("COLS", "200"))
master, slave = pty.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
before = termios.tcgetattr(slave)
pid = os.fork()
if pid == 0:
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    os.close(master)
    os.execve(tb, [tb, "top"] + args, {"LC_ALL": "C", "TERM": "xterm", "PATH": "/usr/bin:/bin"})

buf = bytearray()
def pump(seconds):
    end = time.monotonic() + seconds
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return
        r, _, _ = select.select([master], [], [], left)
        if not r:
            return
        try:
            d = os.read(master, 65536)
        except OSError:
            return
        if not d:
            return
        buf.extend(d)

def wait_for(pred, seconds=10):
    end = time.monotonic() + seconds
    while not pred() and time.monotonic() < end:
        pump(0.05)
    return pred()

def last_frame():
    i = buf.rfind(b"\x1b[H")
    j = buf.find(b"\x1b[J", i)
    if i < 0 or j < 0:
        return []
    text = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", bytes(buf[i:j]))
    # Lines end in \r\n (the pty's ONLCR may add a \r).
    return text.decode("utf-8", "replace").replace("\r", "").split("\n")

def frames_done():
    return buf.count(b"\x1b[J")

screens, timeouts = [], []
# Whether the terminal was seen in top's mode (ICANON and ECHO off) once a
# frame was drawn: "restored" alone would hold if top never changed it.
raw_during = False
for step in steps:
    if "send" in step:
        os.write(master, step["send"].encode())
    elif "signal" in step:
        os.kill(pid, step["signal"])
    elif step.get("until") == "frame":
        n = frames_done()
        if not wait_for(lambda: frames_done() > n):
            timeouts.append("frame")
        elif not termios.tcgetattr(slave)[3] & (termios.ICANON | termios.ECHO):
            raw_during = True
    elif step.get("until") == "text":
        t = step["text"].encode()
        start = len(buf)
        if not wait_for(lambda: t in buf[max(0, start - len(t)):]):
            timeouts.append(step["text"])
    elif step.get("screen"):
        screens.append(last_frame())

deadline = time.monotonic() + 10
status = None
while time.monotonic() < deadline:
    pump(0.05)
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
else:
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    timeouts.append("exit")
pump(0.1)
after = termios.tcgetattr(slave)
print(json.dumps({
    "screens": screens,
    "code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
    "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
    "restored": before == after,
    "raw_during": raw_during,
    "raw_seen": b"\x1b[H" in buf,
    "timeouts": timeouts,
}))
