# pty_answer.py PROMPT ANSWER CMD...: run CMD on a pseudo-terminal and type ANSWER
# (a line) each time its output ends with PROMPT; exit with CMD's status.  For peers
# that read a PIN only from the terminal (libp11's engine asks for the signature
# key's context-specific login there).  Bounded: 60 s without output ends it.
import os, pty, select, sys

prompt, answer, argv = sys.argv[1].encode(), sys.argv[2].encode() + b"\n", sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
seen = b""
while True:
    ready, _, _ = select.select([fd], [], [], 60)
    if not ready:
        os.kill(pid, 9)
        break
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    sys.stderr.buffer.write(data)
    seen = (seen + data)[-512:]
    if seen.rstrip().endswith(prompt):
        os.write(fd, answer)
        seen = b""
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
