// A tiny CrossGuard pack. The second policy's description is built from the
// stack settings the pack was started with, so a test can tell whether the
// stack configuration sent by the engine reached the Node process.
const fs = require("fs");
const pulumi = require("@pulumi/pulumi");
const { PolicyPack } = require("@pulumi/policy");

if (process.env.TEST_POLICY_PACK_PID_FILE) {
    fs.writeFileSync(process.env.TEST_POLICY_PACK_PID_FILE, String(process.pid));
}

new PolicyPack("test-policy-pack", {
    policies: [
        {
            name: "no-public-buckets",
            description: "Buckets must not be public.",
            enforcementLevel: "mandatory",
            validateResource: (args, reportViolation) => {
                if (args.type === "test:index:Bucket" && args.props.public === true) {
                    reportViolation(`bucket ${args.name} is public`);
                }
            },
        },
        {
            name: "reports-stack-settings",
            description: `stack=${pulumi.getStack()} project=${pulumi.getProject()} ` +
                `owner=${new pulumi.Config("acme").get("owner")}`,
            enforcementLevel: "advisory",
            validateResource: () => {},
        },
    ],
});
