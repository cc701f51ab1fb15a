"""Private-address checks: what counts as private, and name resolution that lands on one."""

from __future__ import annotations

import pytest
from newslake.fetching.addresses import PrivateAddressError, check_host_resolves_public, is_private_address


@pytest.mark.parametrize(
    "ip",
    [
        "127.0.0.1", "127.8.9.10", "10.0.0.5", "172.16.3.4", "192.168.1.1", "169.254.169.254", "100.64.0.1",
        "0.0.0.0", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "::ffff:10.1.2.3", "224.0.0.1",
        "fe80::1%eth0", "not-an-ip",
    ],
)
def test_private_loopback_link_local_and_mapped_addresses_are_private(ip):
    assert is_private_address(ip)


@pytest.mark.parametrize("ip", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses(ip):
    assert not is_private_address(ip)


def test_host_resolving_to_loopback_is_refused_unless_exempt():
    with pytest.raises(PrivateAddressError, match="private address 127.0.0.1"):
        check_host_resolves_public("localhost", 8080)
    check_host_resolves_public("127.0.0.1", 8080, exempt={"127.0.0.1:8080"})
    with pytest.raises(PrivateAddressError):
        check_host_resolves_public("127.0.0.1", 8081, exempt={"127.0.0.1:8080"})
