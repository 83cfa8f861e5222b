require("@pulumi/pulumi");

throw new Error("boom: this program fails on purpose");
