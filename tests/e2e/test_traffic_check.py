"""The traffic check of the traced pass (harness.check_traffic), on strace
lines of the shapes it meets: it must fail on anything that leaves for
elsewhere, and let the app's own loopback traffic pass. No app needed."""

import os
import tempfile
import unittest

import harness

SIM = 45001
SIM_CONNECT = f'100 connect(7<TCP:[1234]>, {{sa_family=AF_INET, sin_port=htons({SIM}), sin_addr=inet_addr("127.0.0.1")}}, 16) = 0\n'


class TrafficCheckTest(unittest.TestCase):
    def setUp(self):
        harness.SIM_PORTS.add(SIM)
        self.dir = tempfile.mkdtemp()

    def check(self, *lines):
        path = os.path.join(self.dir, "trace.log")
        with open(path, "w") as f:
            f.write(SIM_CONNECT + "".join(lines))
        harness.check_traffic(path)

    def test_outside_traffic_fails(self):
        bad = [
            '101 connect(9<TCP:[99]>, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("142.250.1.1")}, 16) = -1 EINPROGRESS\n',
            '101 connect(9<TCPv6:[99]>, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "2a00:1450::1", &sin6_addr), sin6_scope_id=0}, 28) = 0\n',
            '102 sendto(18<UDP:[10.0.0.2:9662->10.255.255.53:53]>, "M\\216\\1\\0\\0\\1\\0\\0\\0\\0\\0\\0\\10clients2\\6google\\3com", 37, 0, NULL, 0) = 37\n',
            '103 sendto(5<UDP:[9]>, "x", 1, 0, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.53")}, 16) = 1\n',
            '104 connect(11<UNIX:[77]>, {sa_family=AF_UNIX, sun_path="/run/systemd/resolve/io.systemd.Resolve"}, 110) = 0\n',
            '105 connect(12<TCP:[5]>, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("127.0.0.1")}, 16) = 0\n',
        ]
        for line in bad:
            with self.subTest(line=line[:60]):
                with self.assertRaises(AssertionError):
                    self.check(line)

    def test_the_apps_own_traffic_passes(self):
        self.check(
            # A UDP route lookup that sends nothing.
            '110 connect(27<UDPv6:[5]>, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "2001:4860:4860::8888", &sin6_addr), sin6_scope_id=0}, 28) = 0\n',
            # The inspector server the app listens on, and its replies.
            '111 bind(20<TCP:[6]>, {sa_family=AF_INET, sin_port=htons(50477), sin_addr=inet_addr("127.0.0.1")}, 16) = 0\n',
            '111 connect(21<TCP:[7]>, {sa_family=AF_INET, sin_port=htons(50477), sin_addr=inet_addr("127.0.0.1")}, 16) = 0\n',
            '111 sendto(36<TCP:[127.0.0.1:50477->127.0.0.1:38896]>, "x", 1, MSG_NOSIGNAL, NULL, 0) = 1\n',
            # D-Bus, X11, nscd (absent).
            '112 connect(5<UNIX:[8]>, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT\n',
            '112 connect(6<UNIX:[9]>, {sa_family=AF_UNIX, sun_path=@"/tmp/.X11-unix/X99"}, 20) = 0\n',
        )

    def test_a_trace_without_the_simulator_is_no_proof(self):
        path = os.path.join(self.dir, "empty.log")
        open(path, "w").close()
        with self.assertRaises(AssertionError):
            harness.check_traffic(path)


if __name__ == "__main__":
    unittest.main()
