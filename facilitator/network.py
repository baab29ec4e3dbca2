"""Which addresses phones on the venue network can reach this laptop at."""
import ipaddress

import psutil


def lan_addresses() -> list[str]:
    """IPv4 addresses of this machine's network interfaces, private ones first."""
    found = []
    for addrs in psutil.net_if_addrs().values():
        for addr in addrs:
            if addr.family.name != "AF_INET":
                continue
            ip = ipaddress.ip_address(addr.address)
            if ip.is_loopback or ip.is_link_local:
                continue
            found.append(ip)
    found.sort(key=lambda ip: (not ip.is_private, str(ip)))
    return [str(ip) for ip in found]


def _hostname(host: str) -> str:
    if host.startswith("["):
        return host[1:host.find("]")]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def is_local_host(host: str) -> bool:
    """Whether a Host header names this machine only (phones cannot use it)."""
    name = _hostname(host)
    if name in ("localhost", "") or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def public_base(config: dict, host_url: str, host: str) -> str:
    """The base URL to put in join links and QR codes.

    The setting wins; otherwise the address the request came in on, unless
    that is this machine's own loopback, when the LAN address is used.
    """
    if config.get("PUBLIC_URL"):
        return config["PUBLIC_URL"]
    if not is_local_host(host):
        return host_url.rstrip("/")
    addresses = lan_addresses()
    if not addresses:
        return host_url.rstrip("/")
    return f"http://{addresses[0]}:{config['PORT']}"
