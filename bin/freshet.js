#!/usr/bin/env node
// The `freshet` command: runs the compiled CLI (npm install builds dist/).
// The version check comes first and in old syntax, so that an older Node says
// what is wrong instead of failing on an API or syntax it lacks inside dist/.
var minimum = [22, 12];
var current = process.versions.node.split('.').map(Number);
if (current[0] < minimum[0] || (current[0] === minimum[0] && current[1] < minimum[1])) {
  process.stderr.write(
    'freshet needs Node ' + minimum.join('.') + ' or newer; this is Node ' + process.versions.node + ' (' + process.execPath + ').\n' +
      'Run it through npm (`npm start`, `npx freshet`), which uses the Node pinned in package.json, or install a newer Node.\n',
  );
  process.exit(1);
}
import('../dist/cli/main.js');
