// Never finishes on its own. It writes its pid to the file named by its first
// argument once it is running, so that a test knows when to cancel and can
// check afterwards that the process is gone.
const fs = require("fs");
require("@pulumi/pulumi");

setInterval(() => {}, 1000);
fs.writeFileSync(process.argv[2], String(process.pid));
