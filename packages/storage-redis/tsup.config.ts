// Shared with the other storage packages: see tsup.package.ts at the root.
export { default } from '../../tsup.package.js';
