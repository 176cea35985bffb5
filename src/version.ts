/** The package version, shown by --version and written into udp-compare's report; a test keeps it equal to package.json's. */
export const VERSION = '0.1.0';
