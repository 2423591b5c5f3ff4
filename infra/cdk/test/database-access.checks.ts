/**
 * Database access in AWS (architecture decision 13): Lambdas reach RDS Proxy with IAM
 * authentication, each as its own database role with `rds-db:connect` on that one user; the proxy
 * reaches Aurora with IAM too; only the migrator reads the master secret, and it runs the bundled
 * migrations on deploy. The roles' grants are proven locally (tests/integration/database-roles.int.test.ts).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { databaseRoles, databaseUser, type DatabaseRole } from '../../../lambdas/core/db/database-roles.ts';
import { domains, eventConsumers, scheduledJobs } from '../../definitions/domains.ts';
import type { RastupFunction } from '../constructs/rastup-function.construct.ts';
import { migratorEntry } from '../stacks/data.stack.ts';
import { concerns, resourcesOf, synthStage, synthTimeoutMs, type SynthesizedStage } from './synth-fixture.ts';

const migrationsDir = join(import.meta.dirname, '..', '..', '..', 'db', 'migrations');

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** Every project function outside the data stack, with the role infra/definitions gives it. */
export function functionsWithRoles(s: SynthesizedStage): { fn: RastupFunction; role: DatabaseRole | undefined }[] {
  const byDomain = domains as Readonly<Record<string, { uses: { database?: DatabaseRole } }>>;
  return [
    ...[...s.stage.api.functions].map(([domain, fn]) => ({ fn, role: byDomain[domain]!.uses.database })),
    { fn: s.stage.async.outboxRelay, role: 'relay' as const },
    ...s.stage.async.consumers.map(({ name, consumer }) => ({
      fn: consumer,
      role: byDomain[eventConsumers.find((c) => c.name === name)!.domain]!.uses.database,
    })),
    ...s.stage.async.jobs.map((fn, index) => ({ fn, role: scheduledJobs[index]!.uses.database })),
  ];
}

function templateOf(s: SynthesizedStage, fn: RastupFunction) {
  const stack = fn.stack;
  const concern = concerns.find((c) => s.stage[c] === stack)!;
  return { concern, template: s.templates[concern], logicalId: (c: CfnElement) => stack.getLogicalId(c) };
}

function functionEnv(s: SynthesizedStage, fn: RastupFunction): Record<string, unknown> {
  const { template, logicalId } = templateOf(s, fn);
  const resource = resourcesOf(template)[logicalId(fn.fn.node.defaultChild as CfnElement)]!;
  return (resource.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables;
}

export function roleStatements(s: SynthesizedStage, fn: RastupFunction): Statement[] {
  const { template, logicalId } = templateOf(s, fn);
  const roleId = logicalId(fn.fn.role!.node.defaultChild as CfnElement);
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties!.Roles).includes(`"${roleId}"`))
    .flatMap((policy) => (policy.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actionsOf = (statement: Statement) => [statement.Action].flat();

/** Registered by stacks.test.ts. */
export function registerDatabaseAccessChecks(): void {
  describe('database access', () => {
    let dev: SynthesizedStage;
    let prod: SynthesizedStage;
    beforeAll(() => {
      dev = synthStage('dev');
      prod = synthStage('prod');
    }, synthTimeoutMs);

    it('RDS Proxy: IAM authentication end to end, TLS required, no secret attached', () => {
      for (const s of [dev, prod]) {
        const proxies = Object.values(resourcesOf(s.templates.data, 'AWS::RDS::DBProxy'));
        expect(proxies).toHaveLength(1);
        const properties = proxies[0]!.Properties!;
        expect(properties).toMatchObject({
          DefaultAuthScheme: 'IAM_AUTH',
          RequireTLS: true,
          EngineFamily: 'POSTGRESQL',
        });
        expect(properties.Auth).toBeUndefined();
      }
    });

    it("the proxy's own role may log in to Aurora as the domain roles and nothing else", () => {
      const proxy = Object.values(resourcesOf(prod.templates.data, 'AWS::RDS::DBProxy'))[0]!;
      const roleId = (proxy.Properties!.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const statements = Object.values(resourcesOf(prod.templates.data, 'AWS::IAM::Policy'))
        .filter((policy) => JSON.stringify(policy.Properties!.Roles) === JSON.stringify([{ Ref: roleId }]))
        .flatMap((policy) => (policy.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);
      expect(statements.flatMap(actionsOf)).toEqual(['rds-db:connect']);
      const resources = [statements[0]!.Resource].flat().map((r) => JSON.stringify(r));
      expect(resources).toHaveLength(databaseRoles.length);
      for (const role of databaseRoles) {
        const resource = resources.find((r) => r.endsWith(`"/${databaseUser(role)}"]]}`));
        expect(resource, role).toBeDefined();
        expect(resource).toContain('DBClusterResourceId');
      }
    });

    it('every function connects as the role infra/definitions gives it, with rds-db:connect on that proxy user only', () => {
      for (const s of [dev, prod]) {
        const functions = functionsWithRoles(s);
        expect(functions.filter(({ role }) => role).length).toBeGreaterThanOrEqual(10);
        for (const { fn, role } of functions) {
          const env = functionEnv(s, fn);
          const connects = roleStatements(s, fn).filter((st) => actionsOf(st).includes('rds-db:connect'));
          if (!role) {
            expect(env, fn.functionName).not.toHaveProperty('DB_USER');
            expect(connects, fn.functionName).toEqual([]);
            continue;
          }
          expect(env.DB_USER, fn.functionName).toBe(databaseUser(role));
          expect(JSON.stringify(env.DB_PROXY_ENDPOINT), fn.functionName).toContain('Proxy');
          expect(connects, fn.functionName).toHaveLength(1);
          expect(actionsOf(connects[0]!)).toEqual(['rds-db:connect']);
          const resource = JSON.stringify(connects[0]!.Resource);
          // arn:…:rds-db:<region>:<account>:dbuser:<the proxy's prx-… id>/<this role's user>, nothing wider.
          expect(resource, fn.functionName).toContain(':dbuser:');
          expect(resource, fn.functionName).toContain('DBProxyArn');
          expect(resource, fn.functionName).toMatch(new RegExp(`"/${databaseUser(role)}"\\]\\]\\}$`));
          expect(resource).not.toContain('*');
        }
      }
    });

    it('no Lambda but the migrator can read the master secret (no DB_SECRET_ARN, no grant, no reference)', () => {
      for (const s of [dev, prod]) {
        const secretRef = /AuroraSecret/;
        for (const concern of concerns.filter((c) => c !== 'data')) {
          expect(JSON.stringify(s.templates[concern].toJSON()), concern).not.toMatch(secretRef);
        }
        for (const { fn } of functionsWithRoles(s)) {
          expect(functionEnv(s, fn), fn.functionName).not.toHaveProperty('DB_SECRET_ARN');
        }
        // In the data stack: the secret's readers are the migrator and nothing else.
        const readers = Object.values(resourcesOf(s.templates.data, 'AWS::IAM::Policy')).filter((policy) =>
          (policy.Properties!.PolicyDocument as { Statement: Statement[] }).Statement.some(
            (st) =>
              actionsOf(st).includes('secretsmanager:GetSecretValue') && secretRef.test(JSON.stringify(st.Resource)),
          ),
        );
        const migratorRoleId = s.stage.data.getLogicalId(
          s.stage.data.migrator.fn.role!.node.defaultChild as CfnElement,
        );
        expect(readers.map((policy) => policy.Properties!.Roles)).toEqual([[{ Ref: migratorRoleId }]]);
      }
    });

    it('the migrator: master secret, the cluster writer endpoint over verified TLS, the bundled migrations, run on deploy after the cluster', () => {
      for (const s of [dev, prod]) {
        const migrator = s.stage.data.migrator;
        expect(migrator.entry).toBe(migratorEntry);
        const env = functionEnv(s, migrator);
        expect(JSON.stringify(env.DB_MASTER_SECRET_ARN)).toMatch(/AuroraSecret/);
        expect(JSON.stringify(env.DB_CLUSTER_ENDPOINT)).toContain('Endpoint.Address');
        expect(env.NODE_EXTRA_CA_CERTS).toBe('/var/runtime/ca-cert.pem');

        const fnId = s.stage.data.getLogicalId(migrator.fn.node.defaultChild as CfnElement);
        const triggers = Object.values(resourcesOf(s.templates.data, 'Custom::Trigger')) as {
          Properties: Record<string, unknown>;
          DependsOn?: string[];
        }[];
        expect(triggers).toHaveLength(1);
        expect(JSON.stringify(triggers[0]!.Properties.HandlerArn)).toContain('MigratorHandlerCurrentVersion');
        expect(triggers[0]!.Properties.ExecuteOnHandlerChange).toBe(true);
        const instances = Object.keys(resourcesOf(s.templates.data, 'AWS::RDS::DBInstance'));
        expect(triggers[0]!.DependsOn).toEqual(expect.arrayContaining(instances));

        // The SQL travels inside the function's asset (a new migration changes the hash, so the
        // trigger runs again).
        // The template tests skip bundling (synth-fixture.ts) unless RASTUP_CDK_TEST_BUNDLING=1;
        // then the asset's content is checked too (`npm run synth` always bundles for real).
        if (process.env.RASTUP_CDK_TEST_BUNDLING === '1') {
          const metadata = resourcesOf(s.templates.data)[fnId]!.Metadata as Record<string, string>;
          const bundled = join(s.assembly.directory, metadata['aws:asset:path']!, 'migrations');
          expect(existsSync(bundled), bundled).toBe(true);
          expect(readdirSync(bundled).sort()).toEqual(
            readdirSync(migrationsDir)
              .filter((f) => f.endsWith('.sql'))
              .sort(),
          );
        }

        // Aurora admits the migrator's security group on 5432.
        const migratorSg = s.stage.data.getLogicalId(
          s.stage.data.node.findChild('MigratorSecurityGroup').node.defaultChild as CfnElement,
        );
        const ingress = Object.values(resourcesOf(s.templates.data, 'AWS::EC2::SecurityGroupIngress')).map(
          (r) => r.Properties as Record<string, unknown>,
        );
        expect(
          ingress.filter(
            (rule) =>
              JSON.stringify(rule.SourceSecurityGroupId).includes(migratorSg) &&
              JSON.stringify(rule.GroupId).includes('ClusterSecurityGroup'),
          ),
        ).toHaveLength(1);
      }
    });
  });
}
