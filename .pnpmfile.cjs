// better-sqlite3 compiles from source where its prebuilt binary cannot be downloaded.
// node-gyp then needs Node's headers; machines that ship them under /usr get them from there.
const fs = require('node:fs');

module.exports = {
  hooks: {
    updateConfig(config) {
      if (fs.existsSync('/usr/include/node/node.h')) {
        config.extraEnv = { ...(config.extraEnv ?? {}), npm_config_nodedir: '/usr' };
      }
      return config;
    },
  },
};
