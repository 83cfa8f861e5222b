// Like runs-forever, but swallows SIGINT (noting that it got one in
// <pidfile>.sigint), so only the host's kill after its grace period ends it.
const fs = require("fs");
require("@pulumi/pulumi");

process.on("SIGINT", () => {
    fs.writeFileSync(process.argv[2] + ".sigint", "interrupted");
});
setInterval(() => {}, 1000);
fs.writeFileSync(process.argv[2], String(process.pid));
