import wasm from 'vite-plugin-wasm';

export default { plugins: [wasm()], build: { target: 'esnext' }, logLevel: 'warn' };
