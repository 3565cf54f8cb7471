/** The option parser of both programs (it lives beside the option specs it reads, in defs/). */
export { COMMON_OPTIONS, defineCommand, parseArgsMessage, parseCommandArgs, readOptions } from './defs/parse.js';
