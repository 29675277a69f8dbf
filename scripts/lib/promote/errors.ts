/** Promotion failed because of the input (exit 2) or because a remote failed (exit 1). */
export class PromotionError extends Error {
  constructor(
    message: string,
    readonly kind: 'input' | 'remote',
  ) {
    super(message);
  }
}
