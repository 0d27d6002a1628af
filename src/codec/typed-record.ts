/**
 * Typed records: the TypeScript type of a struct's decoded value and of encode's input, derived at compile
 * time from its protocol/ declaration (kept literal by `as const satisfies StructDecl`), so a misspelled
 * member or a number where a 64-bit member needs a bigint is a compile error.
 *
 * - a scalar is `number`, or `bigint` for an 8-byte type (ctypes.ts gives the width);
 * - an array is an array (`readonly` in encode's input);
 * - a struct member is its record; a union is an object holding exactly one member (`{ gso: {...} }`);
 * - an anonymous member's members are members of the enclosing record (C11 6.7.2.1p13); an anonymous
 *   union contributes exactly one of its alternatives (`csum_start`+`csum_offset`, or `csum`, or `rsc`);
 * - a member present only on some ABIs (`#ifdef __i386__ pad`) is required when the codec's ABI is one of
 *   them, absent when it is none, and optional in encode's input when the ABI is not known statically;
 * - a flexible array member is neither decoded nor encoded, so it is not in the record.
 *
 * Types only: nothing here exists at run time.
 */
import type { AbiName, FieldDecl, ScalarTypeTable, StructDeclRegistry } from '../../protocol/index.js';

/** `out`: what decode returns; `in`: what encode accepts. */
export type RecordMode = 'in' | 'out';

interface AggregateLike {
  readonly kind: 'struct' | 'union';
  readonly fields: readonly FieldDecl[];
}

type Simplify<T> = T extends unknown ? { [K in keyof T]: T[K] } : never;

type ScalarValue<T extends keyof ScalarTypeTable> = ScalarTypeTable[T]['size'] extends 8 ? bigint : number;

type TypeValue<T, A extends AbiName, M extends RecordMode> =
  T extends AggregateLike ? AggregateValue<T, A, M>
    : T extends keyof ScalarTypeTable ? ScalarValue<T>
      : T extends keyof StructDeclRegistry ? AggregateValue<StructDeclRegistry[T], A, M>
        : never;

type FieldValue<F, A extends AbiName, M extends RecordMode> =
  F extends { readonly type: infer T; readonly count: number }
    ? (M extends 'in' ? readonly TypeValue<T, A, M>[] : TypeValue<T, A, M>[])
    : F extends { readonly type: infer T } ? TypeValue<T, A, M> : never;

/** Whether a member is in the record for ABI(s) A. */
type Presence<F, A extends AbiName> =
  F extends { readonly flexible: true } ? 'absent'
    : F extends { readonly onlyAbi: readonly (infer O)[] }
      ? ([A] extends [O] ? 'required' : [Extract<A, O>] extends [never] ? 'absent' : 'optional')
      : 'required';

type IsAnonymous<F> = F extends { readonly anonymous: true } ? true : false;

type RequiredKey<F, A extends AbiName> = IsAnonymous<F> extends true ? never : Presence<F, A> extends 'required' ? F extends { readonly name: infer N extends string } ? N : never : never;
type OptionalKey<F, A extends AbiName, M extends RecordMode> = M extends 'out' ? never : IsAnonymous<F> extends true ? never : Presence<F, A> extends 'optional' ? F extends { readonly name: infer N extends string } ? N : never : never;

type StructMembers<Fs extends readonly FieldDecl[], A extends AbiName, M extends RecordMode> =
  { [F in Fs[number] as RequiredKey<F, A>]: FieldValue<F, A, M> }
  & { [F in Fs[number] as OptionalKey<F, A, M>]?: FieldValue<F, A, M> }
  & AnonymousParts<Fs, A, M>;

/** The anonymous members of a field list, each flattened into the holder, intersected. */
type AnonymousParts<Fs, A extends AbiName, M extends RecordMode> =
  Fs extends readonly [infer H, ...infer R]
    ? (H extends { readonly anonymous: true; readonly type: infer T extends AggregateLike } ? Flat<T, A, M> : unknown) & AnonymousParts<R, A, M>
    : unknown;

/** An aggregate's members as they sit in the object holding them: a struct's all, a union's one alternative. */
type Flat<T extends AggregateLike, A extends AbiName, M extends RecordMode> =
  T['kind'] extends 'union' ? Alternatives<T['fields'], A, M> : StructMembers<T['fields'], A, M>;

/** The keys a member occupies in its holder: its name, or an anonymous aggregate's member names. */
type KeysOf<F> =
  F extends { readonly anonymous: true; readonly type: { readonly fields: infer G extends readonly FieldDecl[] } } ? KeysOf<G[number]>
    : F extends { readonly name: infer N extends string } ? N : never;

type AlternativeValue<F, A extends AbiName, M extends RecordMode> =
  F extends { readonly anonymous: true; readonly type: infer T extends AggregateLike } ? Flat<T, A, M>
    : F extends { readonly name: infer N extends string } ? { [K in N]: FieldValue<F, A, M> } : never;

/** Exactly one alternative; in encode's input the others' keys are `never`, so naming two is an error. */
type Alternatives<Fs extends readonly FieldDecl[], A extends AbiName, M extends RecordMode> = OneOf<Fs[number], KeysOf<Fs[number]>, A, M>;

/** Distributes over the alternatives F; `All` is every alternative's keys, computed before distributing. */
type OneOf<F, All, A extends AbiName, M extends RecordMode> =
  F extends FieldDecl
    ? AlternativeValue<F, A, M> & (M extends 'in' ? { [K in Exclude<All, KeysOf<F>> & string]?: never } : unknown)
    : never;

type AggregateValue<T extends AggregateLike, A extends AbiName, M extends RecordMode> = Simplify<Flat<T, A, M>>;

/** What `codecFor(name, { abi })` decodes to. */
export type RecordOf<N extends keyof StructDeclRegistry, A extends AbiName = 'x86_64'> = AggregateValue<StructDeclRegistry[N], A, 'out'>;
/** What `codecFor(name, { abi })` encodes from. */
export type RecordInput<N extends keyof StructDeclRegistry, A extends AbiName = 'x86_64'> = AggregateValue<StructDeclRegistry[N], A, 'in'>;

/** How a codec gives 64-bit members: bigint (the default), or number (`codecFor(name, { int64: 'number' })`). */
export type Int64Mode = 'bigint' | 'number';

/** T with every bigint (a 64-bit member) as number, arrays and nesting kept: a number-mode codec's records. */
export type Int64AsNumber<T> = T extends bigint ? number : T extends object ? { [K in keyof T]: Int64AsNumber<T[K]> } : T;

/** A record type as a codec of 64-bit mode I gives or takes it. */
export type WithInt64<T, I extends Int64Mode> = I extends 'number' ? Int64AsNumber<T> : T;
