#!/usr/bin/env bash
# Installs the system packages the workbench uses, when it can (root with apt-get).
# Without root it names what is missing and carries on: only the features needing them degrade.
set -euo pipefail
need=()
command -v dot >/dev/null 2>&1 || need+=(graphviz)
command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || need+=(debootstrap)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q "${need[@]}" >/dev/null
else
  echo "note: missing system packages: ${need[*]}" >&2
  echo "      install them with: sudo apt-get install -y ${need[*]}" >&2
  echo "      (without graphviz, 'workbench diagram' still writes mermaid and dot)" >&2
fi
