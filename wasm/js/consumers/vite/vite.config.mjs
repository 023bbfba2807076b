import wasm from 'vite-plugin-wasm';

// `base: './'`: the test serves the built app under /vite/.
export default { base: './', plugins: [wasm()], build: { target: 'esnext' }, logLevel: 'warn' };
