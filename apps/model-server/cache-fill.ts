/**
 * The init container's script: make `$CACHE_DIR` hold the version at `$MODEL_SOURCE`, with the
 * weights digest the catalogue gives (`$MODEL_DIGEST`).
 *
 * Replicas start in parallel on a shared (EFS) cache, so each copies into a private staging
 * folder, checks the copy's digest, and publishes it with one rename, which is atomic: the first
 * to finish wins, the others discard their copy, and the server never sees a half-copied
 * version. The `.complete` marker holds the digest of what was published; later starts skip the
 * copy when it matches and refuse to serve the folder when it does not (the version's weights
 * were re-uploaded, or the catalogue's digest was changed: publish a new version instead).
 *
 * The digest (scripts/lib/weights/digest.ts computes the same): every file under the version's
 * folder, as `sha256sum` prints it (`<hex>  <path relative to the folder>`), sorted by path
 * (bytewise), one line each; then the sha256 of that manifest. It needs only a POSIX shell and
 * coreutils (sha256sum, sort), hashing `$HASH_JOBS` files at a time (the container's CPUs).
 * The copy uses the AWS CLI's CRT transfer client (parallel ranged GETs: several GB/s on a GPU
 * instance, where the classic client's 10 requests reach about 1). Values come in through
 * environment variables, never spliced into the script text.
 */
export const CACHE_FILL_SCRIPT = `set -eu
list_files() {
  for entry in "$1"/* "$1"/.[!.]* "$1"/..?*; do
    [ -e "$entry" ] || [ -L "$entry" ] || continue
    if [ -d "$entry" ]; then list_files "$entry"; else printf '%s\\n' "\${entry#./}"; fi
  done
}
weights_digest() {
  ( cd "$1"
    hashes="$(mktemp -d)"
    n=0
    list_files . | LC_ALL=C sort | { while IFS= read -r file; do
      [ "$file" = .complete ] && continue
      n=$((n + 1))
      sha256sum -- "$file" > "$hashes/$n" &
      [ $((n % \${HASH_JOBS:-2})) -eq 0 ] && wait
    done; wait; }
    for file in $(ls "$hashes" | LC_ALL=C sort -n); do cat "$hashes/$file"; done | sha256sum | cut -d' ' -f1
    rm -rf "$hashes" )
}
if [ -f "$CACHE_DIR/.complete" ]; then
  published="$(cat "$CACHE_DIR/.complete")"
  if [ "$published" = "$MODEL_DIGEST" ]; then
    echo "model-cache: $CACHE_DIR is present with digest $MODEL_DIGEST, nothing to copy"
    exit 0
  fi
  if [ -n "$published" ]; then
    echo "model-cache: $CACHE_DIR holds weights with digest $published, but the catalogue says $MODEL_DIGEST for this version: refusing to serve it. A version's weights never change: publish the new weights as a new version (or restore the catalogue's digest)." >&2
    exit 1
  fi
  echo "model-cache: $CACHE_DIR has no digest yet; checking it once"
  found="sha256:$(weights_digest "$CACHE_DIR")"
  if [ "$found" != "$MODEL_DIGEST" ]; then
    echo "model-cache: $CACHE_DIR holds weights with digest $found, but the catalogue says $MODEL_DIGEST for this version: refusing to serve it." >&2
    exit 1
  fi
  printf '%s' "$MODEL_DIGEST" > "$CACHE_DIR/.complete"
  exit 0
fi
staging="$(dirname "$CACHE_DIR")/.incoming-$(basename "$CACHE_DIR")-$HOSTNAME"
rm -rf "$staging"
export AWS_CONFIG_FILE="\${TMPDIR:-/tmp}/aws-cli-config"
printf '[default]\ns3 =\n  preferred_transfer_client = crt\n' > "$AWS_CONFIG_FILE"
echo "model-cache: copying $MODEL_SOURCE to $CACHE_DIR"
aws s3 sync "$MODEL_SOURCE" "$staging" --only-show-errors --no-progress
if [ -z "$(ls -A "$staging" 2>/dev/null)" ]; then
  echo "model-cache: nothing under $MODEL_SOURCE; is the version uploaded?" >&2
  rm -rf "$staging"
  exit 1
fi
found="sha256:$(weights_digest "$staging")"
if [ "$found" != "$MODEL_DIGEST" ]; then
  echo "model-cache: the weights under $MODEL_SOURCE have digest $found, but the catalogue says $MODEL_DIGEST: refusing to serve them (re-uploaded or incomplete version?)" >&2
  rm -rf "$staging"
  exit 1
fi
printf '%s' "$MODEL_DIGEST" > "$staging/.complete"
mv -T "$staging" "$CACHE_DIR" 2>/dev/null || rm -rf "$staging"
test "$(cat "$CACHE_DIR/.complete")" = "$MODEL_DIGEST"
`;
