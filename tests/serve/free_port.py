"""Prints a loopback TCP port that is free now, taken below the kernel's
ephemeral range: a port the kernel hands out itself (a bind to port 0)
can be given to another program's outgoing connection before the server
it was chosen for binds it. For servers that must be told their port
ahead (Squid, clamd, a web server)."""
import random
import socket

with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
    low = int(f.read().split()[0])
for _ in range(200):
    port = random.randrange(10000, max(10001, min(low, 32768)))
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    break
