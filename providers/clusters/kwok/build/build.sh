#!/usr/bin/env bash
# Builds the local cluster's binaries from the Go module proxy:
# kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, etcd, kwok,
# kwokctl and helm. Versions live only in the go.mod files of the wrapper
# modules next to this script. `platform setup` (kwok) runs it on first use;
# the tests' cluster and CI run it through `./denow task cluster:build`.
#
# Output: $PLATFORM_BIN_DIR, else $PLATFORM_CLUSTER_CACHE/bin, else
# <source root>/.cache/cluster/bin. Stamps go in the directory beside it.
#
# A module is skipped when its stamp (a hash of its go.mod, go.sum, Go files,
# the build recipe's version and the Go version) matches the last successful
# build and all of its binaries are present, so a second run costs a second.
#
# Usage: bash build.sh [--force] [module...]   (modules: etcd kwok helm kube)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
cache="${PLATFORM_CLUSTER_CACHE:-$root/.cache/cluster}"
bin_dir="${PLATFORM_BIN_DIR:-$cache/bin}"
stamp_dir="$(dirname "$bin_dir")/stamps"
# Bump when a change to this script changes what it builds (flags, stamps),
# so edits to comments do not cost an eight-minute rebuild.
recipe=2

force=0
modules=()
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    etcd | kwok | helm | kube) modules+=("$arg") ;;
    *)
      echo "build.sh: unknown argument '$arg' (expected --force or a module: etcd kwok helm kube)" >&2
      exit 2
      ;;
  esac
done
# kube last: it is by far the longest, and the small ones are useful on their own.
[ "${#modules[@]}" -gt 0 ] || modules=(etcd kwok helm kube)

command -v go >/dev/null || {
  echo "build.sh: go is not on PATH; hint: install Go 1.24 or newer (CI machines have Go 1.26)" >&2
  exit 1
}
# Never fetch another Go toolchain behind our back: a mismatch should fail here.
export GOTOOLCHAIN=local
export CGO_ENABLED=0
mkdir -p "$bin_dir" "$stamp_dir"

binaries_of() {
  case "$1" in
    kube) echo kube-apiserver kube-controller-manager kube-scheduler kubectl ;;
    etcd) echo etcd ;;
    kwok) echo kwok kwokctl ;;
    helm) echo helm ;;
  esac
}

packages_of() {
  case "$1" in
    kube) echo k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl ;;
    etcd) echo . ;;
    kwok) echo sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl ;;
    helm) echo helm.sh/helm/v3/cmd/helm ;;
  esac
}

# Version stamps: without them kube-apiserver reports v0.0.0, which kwokctl
# and kubectl's version skew checks misread.
ldflags_of() {
  local module="$1" dir="$here/$1" version
  case "$module" in
    kube)
      version="$(cd "$dir" && go list -m -f '{{.Version}}' k8s.io/kubernetes)"
      local major minor date p flags="-s -w"
      major="$(echo "$version" | sed -E 's/^v([0-9]+)\..*/\1/')"
      minor="$(echo "$version" | sed -E 's/^v[0-9]+\.([0-9]+)\..*/\1/')"
      date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
      for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        flags="$flags -X $p.gitVersion=$version -X $p.gitMajor=$major -X $p.gitMinor=$minor"
        flags="$flags -X $p.gitTreeState=clean -X $p.buildDate=$date"
      done
      echo "$flags"
      ;;
    kwok)
      version="$(cd "$dir" && go list -m -f '{{.Version}}' sigs.k8s.io/kwok)"
      echo "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${version#v}"
      ;;
    helm)
      version="$(cd "$dir" && go list -m -f '{{.Version}}' helm.sh/helm/v3)"
      echo "-s -w -X helm.sh/helm/v3/internal/version.version=$version"
      ;;
    *) echo "-s -w" ;;
  esac
}

# Files of a dependency replaced for the build: each _overlay/<name>.go of a
# wrapper module stands in for the file the case below names. Go refuses
# -overlay for files in the module cache, so the dependency is copied from
# the cache into the build's scratch directory, the file replaced there, and
# the build pointed at the copy by a go.mod of its own (-modfile; the
# committed go.mod is left alone). kwok's pkg/utils/net/tunnel.go: a
# forwarded connection whose server side closed stayed open until the
# client gave up; see _overlay/tunnel.go. Prints the go.mod to build with.
patched_modfile_of() {
  local module="$1" work="$2" dir="$here/$1" path file
  case "$module" in
    kwok) path=sigs.k8s.io/kwok file=pkg/utils/net/tunnel.go ;;
    *)
      echo "build.sh: $module has an _overlay directory but no entry in patched_modfile_of" >&2
      return 1
      ;;
  esac
  # Called as `x="$(patched_modfile_of ...)" || ...`, where set -e does not act: every step
  # checks its own failure, so a half-done copy never builds an unpatched binary.
  local source
  (cd "$dir" && go mod download "$path") >&2 || {
    echo "build.sh: could not download $path to patch it; hint: check that the Go module proxy is reachable (GOPROXY=$(go env GOPROXY))" >&2
    return 1
  }
  source="$(cd "$dir" && go list -m -f '{{.Dir}}' "$path")" || return 1
  [ -n "$source" ] && [ -f "$source/$file" ] || {
    echo "build.sh: $path has no $file to replace; hint: the pinned version moved, check _overlay/$(basename "$file") against it" >&2
    return 1
  }
  cp -R "$source" "$work/patched" || return 1
  chmod -R u+w "$work/patched" || return 1
  cp "$dir/_overlay/$(basename "$file")" "$work/patched/$file" || return 1
  cp "$dir/go.mod" "$work/build.mod" || return 1
  cp "$dir/go.sum" "$work/build.sum" || return 1
  (cd "$dir" && go mod edit -modfile="$work/build.mod" -replace "$path=$work/patched") || return 1
  echo "$work/build.mod"
}

stamp_of() {
  local dir="$here/$1"
  {
    go version
    cat "$dir/go.mod" "$dir/go.sum"
    find "$dir" -maxdepth 2 -name '*.go' -print0 | sort -z | xargs -0 -r cat
    echo "recipe $recipe"
  } | sha256sum | cut -d' ' -f1
}

up_to_date() {
  local module="$1" stamp="$2" b
  [ "$force" -eq 0 ] || return 1
  [ -f "$stamp_dir/$module" ] && [ "$(cat "$stamp_dir/$module")" = "$stamp" ] || return 1
  for b in $(binaries_of "$module"); do [ -x "$bin_dir/$b" ] || return 1; done
}

build_module() {
  local module="$1" dir="$here/$1" stamp start tmp
  stamp="$(stamp_of "$module")"
  if up_to_date "$module" "$stamp"; then
    echo "build.sh: $module is up to date ($(binaries_of "$module"))" >&2
    return 0
  fi
  echo "build.sh: building $module ($(binaries_of "$module"))" >&2
  start="$(date +%s)"
  # Build into a scratch directory and move into place only on success, so a
  # failed build never leaves a half-written binary next to a fresh stamp.
  tmp="$(mktemp -d "$(dirname "$bin_dir")/build.XXXXXX")"
  local -a packages
  read -r -a packages <<<"$(packages_of "$module")"
  local out="$tmp/"
  [ "$module" = etcd ] && out="$tmp/etcd"
  local -a modfile=()
  if [ -d "$dir/_overlay" ]; then
    local patched
    patched="$(patched_modfile_of "$module" "$tmp")" || { rm -rf "$tmp"; exit 1; }
    modfile=(-modfile "$patched")
  fi
  if ! (cd "$dir" && go build -trimpath -buildvcs=false ${modfile[@]+"${modfile[@]}"} -ldflags "$(ldflags_of "$module")" -o "$out" "${packages[@]}"); then
    rm -rf "$tmp"
    echo "build.sh: FAILED to build $module in $dir (the go error is above)." >&2
    echo "build.sh: hint: check that the Go module proxy is reachable (GOPROXY=$(go env GOPROXY)) and that go.sum is tidy: (cd $dir && go mod tidy)" >&2
    exit 1
  fi
  local b
  for b in $(binaries_of "$module"); do mv -f "$tmp/$b" "$bin_dir/$b"; done
  rm -rf "$tmp"
  echo "$stamp" >"$stamp_dir/$module"
  echo "build.sh: built $module in $(($(date +%s) - start))s" >&2
}

total_start="$(date +%s)"
for module in "${modules[@]}"; do
  module_start="$(date +%s)"
  build_module "$module"
  timings+=("$module $(($(date +%s) - module_start))s")
done
echo "build.sh: timings: ${timings[*]/%/,} total $(($(date +%s) - total_start))s" >&2
echo "build.sh: binaries in $bin_dir" >&2
