export default {
  mode: 'production',
  target: 'web',
  entry: './main.js',
  experiments: { asyncWebAssembly: true },
  performance: { hints: false },
};
