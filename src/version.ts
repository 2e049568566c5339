import packageJson from '../package.json' with { type: 'json' };

/** This build's version. The build inlines package.json, so `gatehouse --version` reads no file at run time. */
export const VERSION: string = packageJson.version;
