// Loaded before every test file (vitest.config.ts, setupFiles). fast-check's
// default size ('small') caps generated arrays and strings near 10 elements
// even when an arbitrary states a larger maxLength; every property here that
// states one means it, so the whole stated range is drawn.
import fc from 'fast-check';

fc.configureGlobal({ ...fc.readConfigureGlobal(), defaultSizeToMaxWhenMaxSpecified: true });
