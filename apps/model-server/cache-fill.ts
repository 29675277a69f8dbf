/**
 * The init container's script: make `$CACHE_DIR` hold the version at `$MODEL_SOURCE`.
 *
 * Replicas start in parallel on a shared (EFS) cache, so each copies into a private staging
 * folder and publishes it with one rename, which is atomic: the first to finish wins, the others
 * discard their copy, and the server never sees a half-copied version. A `.complete` marker makes
 * later starts skip the copy. Values come in through environment variables, never spliced into
 * the script text.
 */
export const CACHE_FILL_SCRIPT = `set -eu
if [ -f "$CACHE_DIR/.complete" ]; then
  echo "model-cache: $CACHE_DIR is present, nothing to copy"
  exit 0
fi
staging="$(dirname "$CACHE_DIR")/.incoming-$(basename "$CACHE_DIR")-$HOSTNAME"
rm -rf "$staging"
echo "model-cache: copying $MODEL_SOURCE to $CACHE_DIR"
aws s3 sync "$MODEL_SOURCE" "$staging" --only-show-errors --no-progress
if [ -z "$(ls -A "$staging" 2>/dev/null)" ]; then
  echo "model-cache: nothing under $MODEL_SOURCE; is the version uploaded?" >&2
  exit 1
fi
touch "$staging/.complete"
mv -T "$staging" "$CACHE_DIR" 2>/dev/null || rm -rf "$staging"
test -f "$CACHE_DIR/.complete"
`;
