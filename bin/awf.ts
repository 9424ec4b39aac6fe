/**
 * The `awf` command line: `awf <group> <command>`; see `awf --help`.
 */
console.log('awf', process.argv.slice(2).join(' '));
