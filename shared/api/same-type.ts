// Compile-time checks that a schema hand-written here says what shared/policy.ts says. Types
// only; the barrel shared/api.ts does not re-export this file.

/** `true` when A and B are the same type (not merely assignable either way), else `false`. */
export type SameType<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/**
 * The JSON a value of T becomes: plain objects, arrays not readonly. TypeBox's static types have
 * mutable arrays while policy.ts's are readonly; both sides go through this before comparing.
 */
export type Plain<T> = T extends readonly (infer U)[]
  ? Plain<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: Plain<T[K]> }
    : T;
