/** wrangler compiles imported `.wasm` files at build time (its default CompiledWasm rule). */
declare module '*.wasm' {
  const module: WebAssembly.Module
  export default module
}
