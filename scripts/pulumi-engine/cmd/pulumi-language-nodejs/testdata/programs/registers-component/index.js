// Registers one component and exports what it was told by the host (stack
// config and run settings), so that a test can see both the resource and the
// settings arrive at the monitor.
const pulumi = require("@pulumi/pulumi");

class Widget extends pulumi.ComponentResource {
    constructor(name, opts) {
        super("test:index:Widget", name, {}, opts);
        this.registerOutputs({});
    }
}

new Widget("widget");

exports.greeting = new pulumi.Config("app").require("greeting");
exports.dryRun = pulumi.runtime.isDryRun();
