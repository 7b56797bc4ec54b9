// Types of register-gradients.js: a module loaded for its side effect (it registers every gradient
// of @tensorflow/tfjs-core, and the chained tensor methods those gradients call, on the shared
// engine) that exports nothing.
export {};
