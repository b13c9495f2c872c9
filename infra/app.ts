/**
 * The CDK app (`npx cdk synth|deploy`, see cdk.json and docs/deploy.md). cdk-nag's AwsSolutions pack
 * checks every resource; each suppression carries its reason next to the resource.
 */
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { deployConfigFrom } from './config';
import { TempotradeStack } from './stacks/tempotrade-stack';

export const STACK_NAME = 'Tempotrade';

export function buildApp(app: App = new App()): { app: App; stack: TempotradeStack } {
  const config = deployConfigFrom((k) => app.node.tryGetContext(k));
  const stack = new TempotradeStack(app, STACK_NAME, config, {
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  return { app, stack };
}

if (require.main === module) {
  buildApp().app.synth();
}
