#!/bin/sh
# deps.sh PACKAGE...: install the Debian packages bevconf needs, and a deb-src entry so
# `apt-get source libevent` works (coverage and instrumented builds fetch libevent's
# source at build time). Idempotent: does nothing when all is in place.
set -eu
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
src_list=/etc/apt/sources.list.d/bevconf-deb-src.sources
need_src=no
if ! grep -rqs '^Types:.*deb-src\|^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	need_src=yes
fi
if [ -z "$missing" ] && [ "$need_src" = no ]; then
	echo "bevconf: dependencies already installed: $*"
	exit 0
fi
if [ "$need_src" = yes ] && [ -f /etc/apt/sources.list.d/debian.sources ]; then
	echo "bevconf: adding a deb-src entry ($src_list) derived from debian.sources"
	sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources | $sudo tee "$src_list" >/dev/null
fi
echo "bevconf: installing:${missing:- (nothing; refreshing package lists for deb-src)}"
$sudo apt-get update -q
[ -z "$missing" ] || $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	-o DPkg::Lock::Timeout=300 $missing
