/** The input kinds, in the order they are read and reported. No dependencies: cheap to load. */
export const INPUT_KINDS = ['leads', 'events', 'deals', 'spend', 'subscriptions'] as const;
export type InputKind = (typeof INPUT_KINDS)[number];
