#!/bin/sh
# deps.sh PACKAGE...: install the Debian packages bevconf needs. Idempotent: does nothing
# when all are installed. (libevent's sources need no deb-src entry: build-source.sh
# fetches them through a private apt list.)
set -eu
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "bevconf: dependencies already installed: $*"
	exit 0
fi
echo "bevconf: installing:$missing"
$sudo apt-get update -q
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=300 $missing
