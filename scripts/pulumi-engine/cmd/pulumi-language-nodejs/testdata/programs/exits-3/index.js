require("@pulumi/pulumi");

process.exit(3);
