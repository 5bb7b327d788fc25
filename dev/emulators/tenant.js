// Deterministic JumpCloud tenant: users, devices (systems), user and device groups, their
// graph associations and System Insights rows, all derived from a seed (no clock, no global
// randomness), plus the control operations tests use to change the directory between runs.
import { createHash } from 'node:crypto';
import { seededRandom } from './faults.js';

const FIRST_NAMES = [
  'Ava', 'Liam', 'Zoë', 'José', 'Søren', 'Łukasz', 'Amélie', 'Noah', 'Mia', 'Björn', 'Chloé', 'Mateo',
  'Aiyana', 'Kenji', 'Priya', 'Olúwaseun', 'Fatima', 'Ingrid', 'Nguyễn', 'Zhang', 'Siobhán', 'Renée',
  'Dmitri', 'Ana María', 'Tomás', 'Yuki', 'Grace', 'Ethan', 'Hana', 'Mohammed',
];
const LAST_NAMES = [
  "O'Brien", 'Müller', 'García', 'Núñez', 'Smith', 'Johansson', 'Kowalski', 'Dubois', 'Tanaka', 'Patel',
  'Ólafsdóttir', "D'Angelo", 'Nakamura', 'Okafor', 'van der Berg', 'Øvergaard', 'Rossi', 'Schäfer',
  'Đặng', 'Lee', 'Brown', 'Wilson', 'Kim', 'Chen', 'Ivanova', 'Silva', 'Murphy', 'Haddad', 'Novák', 'Ahmed',
];
const DEPARTMENTS = {
  Engineering: ['Software Engineer', 'Senior Software Engineer', 'Staff Engineer', 'Engineering Manager'],
  Finance: ['Accountant', 'Financial Analyst', 'Controller', 'Finance Director'],
  Sales: ['Account Executive', 'Sales Engineer', 'Sales Manager', 'VP Sales'],
  Marketing: ['Content Marketer', 'Product Marketing Manager', 'Marketing Director'],
  'People & Culture': ['Recruiter', 'HR Business Partner', 'Head of People'],
  IT: ['IT Support Specialist', 'Systems Administrator', 'IT Manager'],
  'R&D': ['Research Scientist', 'Principal Researcher'],
  'Customer Success': ['Support Agent', 'Customer Success Manager', 'Head of Support'],
};
const LOCATIONS = [
  { location: 'Berlin', locality: 'Berlin', region: 'BE', postalCode: '10115', country: 'Germany', street: 'Invalidenstraße', phone: '+49 30 5550' },
  { location: 'New York', locality: 'New York', region: 'NY', postalCode: '10001', country: 'United States', street: 'W 34th St', phone: '+1 212 555' },
  { location: 'São Paulo', locality: 'São Paulo', region: 'SP', postalCode: '01310-100', country: 'Brazil', street: 'Avenida Paulista', phone: '+55 11 5555' },
  { location: 'Tokyo', locality: 'Chiyoda', region: 'Tokyo', postalCode: '100-0005', country: 'Japan', street: 'Marunouchi', phone: '+81 3 5555' },
  { location: 'London', locality: 'London', region: 'England', postalCode: 'EC1A 1BB', country: 'United Kingdom', street: "St Martin's Le Grand", phone: '+44 20 5550' },
  { location: 'Remote', locality: 'Dublin', region: 'Leinster', postalCode: 'D02 X285', country: 'Ireland', street: "O'Connell Street", phone: '+353 1 555' },
];
const DEVICE_MODELS = [
  { os: 'Mac OS X', osFamily: 'darwin', version: '14.5', arch: 'arm64', vendor: 'Apple Inc.', model: 'MacBookPro18,3', cpu: 'Apple M1 Pro', prefix: 'MBP' },
  { os: 'Windows', osFamily: 'windows', version: '11 Pro 23H2', arch: 'x86_64', vendor: 'Dell Inc.', model: 'Latitude 7440', cpu: '13th Gen Intel(R) Core(TM) i7-1365U', prefix: 'LAT' },
  { os: 'Ubuntu', osFamily: 'linux', version: '22.04', arch: 'x86_64', vendor: 'LENOVO', model: 'ThinkPad X1 Carbon Gen 11', cpu: '13th Gen Intel(R) Core(TM) i7-1355U', prefix: 'TPX' },
];
const APPLICATIONS = [
  ['slack', 'Slack', 'https://sso.jumpcloud.com/saml2/slack'],
  ['github', 'GitHub Enterprise', 'https://sso.jumpcloud.com/saml2/github'],
  ['google', 'Google Workspace', 'https://sso.jumpcloud.com/saml2/google'],
  ['atlassian', 'Atlassian "Cloud"', 'https://sso.jumpcloud.com/saml2/atlassian'],
  ['zoom', 'Zoom', 'https://sso.jumpcloud.com/saml2/zoom'],
  ['legacy-crm', "Legacy CRM (O'Reilly)", 'https://sso.jumpcloud.com/saml2/legacy-crm'],
];
/** Installed software by OS family: [name, bundle id or publisher, version]. */
const SOFTWARE = {
  darwin: [
    ['Slack', 'com.tinyspeck.slackmacgap', '4.36.140'],
    ['Google Chrome', 'com.google.Chrome', '120.0.6099.129'],
    ['zoom.us', 'us.zoom.xos', '5.17.5'],
    ['Visual Studio Code', 'com.microsoft.VSCode', '1.85.1'],
    ['Docker', 'com.docker.docker', '4.26.1'],
  ],
  windows: [
    ['Slack', 'Slack Technologies Inc.', '4.36.140'],
    ['Google Chrome', 'Google LLC', '120.0.6099.130'],
    ['Microsoft 365 Apps for enterprise - en-us', 'Microsoft Corporation', '16.0.17126.20132'],
    ['Zoom Workplace', 'Zoom Video Communications, Inc.', '5.17.5'],
    ['7-Zip 23.01 (x64)', 'Igor Pavlov', '23.01'],
  ],
};
const EPOCH_SECONDS = 1_600_000_000; // 2020-09-13; all generated timestamps count from here

/** Plain-ASCII form of a name for usernames and email local parts. */
function asciiSlug(text) {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[øØ]/g, 'o')
    .replace(/[łŁ]/g, 'l')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');
}

const deepCopy = (value) => structuredClone(value);

/**
 * Creates a tenant.
 * @param {{seed?: number, users?: number, orgId?: string, devicesPerUser?: number, domain?: string}} options
 */
export function createTenant({ seed = 1, users = 50, orgId, devicesPerUser = 0.8, domain = 'example.test' } = {}) {
  return new Tenant({ seed, userCount: users, orgId, devicesPerUser, domain });
}

export class Tenant {
  constructor({ seed, userCount, orgId, devicesPerUser, domain }) {
    if (!Number.isInteger(userCount) || userCount < 0 || userCount > 100_000) {
      throw new Error(`users must be an integer between 0 and 100000, got ${userCount}`);
    }
    this.seed = seed;
    this.domain = domain;
    this.random = seededRandom(seed);
    // The "machine" part of generated ObjectIds, fixed per seed so ids repeat across runs.
    this.idStem = createHash('sha256').update(`tributary-tenant-${seed}`).digest('hex').slice(0, 10);
    this.idCounter = 0;
    this.orgId = orgId ?? this.newId();
    this.users = [];
    this.systems = [];
    this.userGroups = [];
    this.systemGroups = [];
    /** Direct user <-> system bindings: Set of "userId systemId". */
    this.userSystemBindings = new Set();
    /** User group <-> system group bindings: Set of "userGroupId systemGroupId". */
    this.groupBindings = new Set();
    /** Application <-> user bindings: Set of "applicationId userId". */
    this.appUserBindings = new Set();
    /** Application <-> user group bindings: Set of "applicationId userGroupId". */
    this.appGroupBindings = new Set();
    this.#generate(userCount, devicesPerUser);
  }

  pick(list) {
    return list[Math.floor(this.random() * list.length)];
  }

  /** A 24-hex ObjectId-like id; ids grow with creation order, like Mongo's. */
  newId() {
    this.idCounter += 1;
    const seconds = (EPOCH_SECONDS + this.idCounter * 60).toString(16).padStart(8, '0');
    return `${seconds}${this.idStem}${this.idCounter.toString(16).padStart(6, '0')}`;
  }

  timestamp(index) {
    return new Date((EPOCH_SECONDS + index * 3_600) * 1000).toISOString();
  }

  #generate(userCount, devicesPerUser) {
    const usedUsernames = new Set();
    for (let i = 0; i < userCount; i += 1) this.users.push(this.#makeUser(i, usedUsernames));
    if (userCount > 0) Object.assign(this.users[0], { jobTitle: 'Chief Executive Officer', state: 'ACTIVATED', activated: true, suspended: false });
    this.usedUsernames = usedUsernames;

    // Manager hierarchy: user 0 runs the company; the first ~15% are managers of the rest.
    const managerPool = Math.max(1, Math.ceil(userCount * 0.15));
    for (let i = 1; i < userCount; i += 1) {
      const limit = Math.min(i, managerPool);
      this.users[i].manager = this.users[Math.floor(this.random() * limit)]._id;
    }
    // The cycle case: the last two users name each other as manager (bad data a sync must survive).
    if (userCount >= 6) {
      const a = this.users[userCount - 1];
      const b = this.users[userCount - 2];
      a.manager = b._id;
      b.manager = a._id;
    }

    const deviceCount = Math.round(userCount * devicesPerUser) + Math.min(3, userCount);
    for (let i = 0; i < deviceCount; i += 1) {
      // The last few devices are spares with nobody assigned.
      const owner = i < deviceCount - Math.min(3, userCount) ? this.users[i % Math.max(1, userCount)] : null;
      this.systems.push(this.#makeSystem(i, owner));
    }

    for (const department of Object.keys(DEPARTMENTS)) {
      const group = this.#makeGroup('user_group', department, `Everyone in ${department}`);
      group.members = this.users.filter((u) => u.department === department).map((u) => u._id);
      this.userGroups.push(group);
    }
    const allStaff = this.#makeGroup('user_group', 'All Staff', 'Every active employee');
    allStaff.members = this.users.filter((u) => u.state === 'ACTIVATED').map((u) => u._id);
    this.userGroups.push(allStaff);
    const nightShift = this.#makeGroup('user_group', 'Ops "Night Shift"', 'A name with quotes');
    nightShift.members = this.users.filter(() => this.random() < 0.1).map((u) => u._id);
    this.userGroups.push(nightShift);
    this.userGroups.push(this.#makeGroup('user_group', 'Empty Group', 'No members yet'));

    for (const family of ['darwin', 'windows', 'linux']) {
      const name = { darwin: 'Mac Fleet', windows: 'Windows Fleet', linux: 'Linux Workstations' }[family];
      const group = this.#makeGroup('system_group', name, `All ${family} devices`);
      group.members = this.systems.filter((s) => s.osFamily === family).map((s) => s._id);
      this.systemGroups.push(group);
    }
    this.applications = APPLICATIONS.map(([name, displayName, ssoUrl], index) => ({
      _id: this.newId(),
      name,
      displayName,
      displayLabel: displayName,
      description: '',
      active: index !== APPLICATIONS.length - 1,
      beta: false,
      color: '#006CAC',
      created: this.timestamp(index + 5),
      organization: this.orgId,
      ssoUrl,
      learnMore: '',
      config: {},
      sso: { type: 'saml' },
    }));

    const engineering = this.userGroups.find((g) => g.name === 'Engineering');
    const linux = this.systemGroups.find((g) => g.name === 'Linux Workstations');
    const it = this.userGroups.find((g) => g.name === 'IT');
    if (engineering && linux) this.groupBindings.add(`${engineering.id} ${linux.id}`);
    for (const group of this.systemGroups) if (it) this.groupBindings.add(`${it.id} ${group.id}`);

    // Application assignments, by rule (no random draws, so the rest of the tenant is as before):
    // apps are bound to user groups and to a few users directly, as admins do.
    const groupNamed = (name) => this.userGroups.find((g) => g.name === name);
    const appGroups = {
      slack: ['All Staff'], github: ['Engineering', 'R&D'], google: ['All Staff'],
      atlassian: ['Engineering', 'IT'], zoom: ['Sales', 'Customer Success'], 'legacy-crm': [],
    };
    for (const app of this.applications) {
      for (const name of appGroups[app.name] ?? []) {
        const group = groupNamed(name);
        if (group) this.appGroupBindings.add(`${app._id} ${group.id}`);
      }
    }
    // Every fifth user has Atlassian directly (contractors, say); every seventh the legacy CRM.
    const appNamed = (name) => this.applications.find((a) => a.name === name);
    this.users.forEach((user, index) => {
      if (index % 5 === 0) this.appUserBindings.add(`${appNamed('atlassian')._id} ${user._id}`);
      if (index % 7 === 3) this.appUserBindings.add(`${appNamed('legacy-crm')._id} ${user._id}`);
    });
  }

  /** Users an application is assigned to, directly or through their user groups: [{id, paths}]. */
  usersOfApplication(appId, edge) {
    const users = traversal('user');
    for (const binding of this.appUserBindings) {
      const [boundApp, userId] = binding.split(' ');
      if (boundApp === appId && this.user(userId)) users.add(userId, [edge(userId, 'user')]);
    }
    for (const group of this.userGroupsOfApplication(appId)) {
      for (const userId of group.members) users.add(userId, [edge(group.id, 'user_group'), edge(userId, 'user')]);
    }
    return users.rows();
  }

  /** The user groups an application is bound to. */
  userGroupsOfApplication(appId) {
    return [...this.appGroupBindings]
      .map((binding) => binding.split(' '))
      .filter(([boundApp]) => boundApp === appId)
      .map(([, groupId]) => this.group(groupId))
      .filter(Boolean);
  }

  /** The System Insights rows of one table (`apps`, `uptime`, ...) across every system. */
  insightsRows(table) {
    return this.systems.flatMap((s) => s.insightsTables?.[table] ?? []);
  }

  #makeUser(index, usedUsernames, overrides = {}) {
    const firstname = overrides.firstname ?? (index === 7 ? 'Robert "Bob"' : this.pick(FIRST_NAMES));
    const lastname = overrides.lastname ?? this.pick(LAST_NAMES);
    const department = overrides.department ?? this.pick(Object.keys(DEPARTMENTS));
    const place = this.pick(LOCATIONS);
    const roll = this.random();
    const state = overrides.state ?? (roll < 0.84 ? 'ACTIVATED' : roll < 0.92 ? 'SUSPENDED' : 'STAGED');
    let base = `${asciiSlug(firstname.replace(/".*"/, '')).slice(0, 12)}.${asciiSlug(lastname)}` || `user${index}`;
    let username = base;
    for (let n = 2; usedUsernames.has(username); n += 1) username = `${base}${n}`;
    usedUsernames.add(username);
    const id = this.newId();
    const phoneSuffix = String(1000 + Math.floor(this.random() * 8999));
    const user = {
      _id: id,
      username,
      email: `${username}@${this.domain}`,
      alternateEmail: index % 5 === 0 ? `${username}.personal@mail.example.test` : '',
      firstname,
      middlename: index % 9 === 0 ? 'Marie' : '',
      lastname,
      displayname: `${firstname} ${lastname}`,
      jobTitle: this.pick(DEPARTMENTS[department]),
      department,
      company: 'Tributary Demo Co.',
      costCenter: `CC-${100 + Object.keys(DEPARTMENTS).indexOf(department) * 10}`,
      employeeType: index % 11 === 0 ? 'Contractor' : 'Full-time',
      employeeIdentifier: `E${String(10000 + index)}`,
      location: place.location,
      description: '',
      state,
      activated: state !== 'STAGED',
      suspended: state === 'SUSPENDED',
      account_locked: false,
      account_locked_date: null,
      password_expired: false,
      password_never_expires: false,
      password_date: this.timestamp(index * 3 + 1),
      password_expiration_date: null,
      badLoginAttempts: 0,
      created: this.timestamp(index),
      creationSource: 'console',
      organization: this.orgId,
      phoneNumbers: [
        { id: this.newId(), type: 'work', number: `${place.phone} ${phoneSuffix}` },
        ...(index % 3 === 0 ? [{ id: this.newId(), type: 'mobile', number: `${place.phone} 9${phoneSuffix}` }] : []),
      ],
      addresses: [
        {
          id: this.newId(),
          type: 'work',
          streetAddress: `${1 + (index % 200)} ${place.street}`,
          extendedAddress: index % 4 === 0 ? `Floor ${1 + (index % 12)}` : '',
          poBox: '',
          locality: place.locality,
          region: place.region,
          postalCode: place.postalCode,
          country: place.country,
        },
      ],
      attributes: [
        { name: 'costCenter', value: `CC-${100 + Object.keys(DEPARTMENTS).indexOf(department) * 10}` },
        { name: 'badgeNumber', value: String(40000 + index) },
        ...(index % 6 === 0 ? [{ name: 'shirtSize', value: this.pick(['S', 'M', 'L', 'XL']) }] : []),
      ],
      relationships: [],
      recoveryEmail: { address: '', verified: false, verifiedAt: null },
      mfa: { configured: index % 2 === 0, exclusion: false },
      mfaEnrollment: { overallStatus: index % 2 === 0 ? 'ENROLLED' : 'NOT_ENROLLED', totpStatus: index % 2 === 0 ? 'ENROLLED' : 'NOT_ENROLLED' },
      totp_enabled: index % 2 === 0,
      enable_user_portal_multifactor: false,
      unix_uid: 5000 + index,
      unix_guid: 5000 + index,
      sudo: false,
      passwordless_sudo: false,
      allow_public_key: true,
      public_key: '',
      ssh_keys: [],
      samba_service_user: false,
      ldap_binding_user: false,
      enable_managed_uid: false,
      externally_managed: false,
      external_dn: '',
      external_source_type: '',
      managedAppleId: '',
      disableDeviceMaxLoginAttempts: false,
      restrictedFields: [],
    };
    return Object.assign(user, overrides, { _id: id, username: overrides.username ?? username });
  }

  #makeSystem(index, owner) {
    const model = DEVICE_MODELS[index % DEVICE_MODELS.length];
    const serial = `${model.prefix}${createHash('sha1').update(`${this.seed}-sys-${index}`).digest('hex').slice(0, 9).toUpperCase()}`;
    const hostname = owner ? `${owner.username.replace(/\./g, '-')}-${model.prefix.toLowerCase()}` : `spare-${model.prefix.toLowerCase()}-${index}`;
    const id = this.newId();
    const system = {
      _id: id,
      hostname,
      displayName: owner ? `${owner.firstname} ${owner.lastname}'s ${model.model}` : `Spare ${model.model}`,
      description: '',
      os: model.os,
      osFamily: model.osFamily,
      version: model.version,
      arch: model.arch,
      archFamily: model.arch === 'arm64' ? 'arm' : 'x86',
      serialNumber: serial,
      hwVendor: model.vendor,
      organization: this.orgId,
      active: index % 7 !== 0,
      lastContact: this.timestamp(20_000 + index),
      created: this.timestamp(index + 10),
      agentVersion: '1.170.0',
      remoteIP: `203.0.113.${1 + (index % 250)}`,
      networkInterfaces: [{ name: 'en0', address: `10.0.${Math.floor(index / 250)}.${1 + (index % 250)}`, family: 'IPv4', internal: false }],
      systemTimezone: 0,
      amazonInstanceID: '',
      templateName: '',
      allowSshRootLogin: false,
      allowSshPasswordAuthentication: false,
      allowPublicKeyAuthentication: true,
      allowMultiFactorAuthentication: false,
      modifySSHDConfig: false,
      fde: { active: model.osFamily !== 'linux', keyPresent: model.osFamily === 'darwin' },
      systemInsights: { state: 'enabled' },
      attributes: [{ name: 'assetTag', value: `AT-${String(index).padStart(5, '0')}` }],
      primarySystemUser: owner ? { id: owner._id } : null,
    };
    if (owner) this.userSystemBindings.add(`${owner._id} ${id}`);
    // System Insights rows live beside the system, not in its v1 representation.
    const insights = {
      collection_time: this.timestamp(20_000 + index),
      computer_name: system.displayName,
      cpu_brand: model.cpu,
      cpu_logical_cores: 8,
      cpu_microcode: '',
      cpu_physical_cores: 4,
      cpu_subtype: model.arch,
      cpu_type: model.arch,
      hardware_model: model.model,
      hardware_serial: serial,
      hardware_vendor: model.vendor,
      hardware_version: '1.0',
      hostname: `${hostname}.local`,
      local_hostname: hostname,
      physical_memory: String(17179869184 * (1 + (index % 2))),
      system_id: id,
      uuid: createHash('md5').update(`${this.seed}-uuid-${index}`).digest('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5').toUpperCase(),
    };
    const [major, minor = 0, patch = 0] = model.version.split(/[ .]/).map(Number).map((n) => (Number.isNaN(n) ? 0 : n));
    const osVersion = {
      build: model.osFamily === 'darwin' ? '23F79' : model.osFamily === 'windows' ? '22631' : '',
      codename: model.osFamily === 'linux' ? 'jammy' : '',
      collection_time: insights.collection_time,
      install_date: '',
      major,
      minor,
      patch,
      name: model.os,
      platform: model.osFamily === 'linux' ? 'ubuntu' : model.osFamily,
      platform_like: model.osFamily === 'linux' ? 'debian' : model.osFamily,
      system_id: id,
      version: model.version,
    };
    Object.defineProperty(system, 'insightsTables', { value: this.#insightsTables(index, id, model, owner, insights.collection_time), enumerable: false, writable: true });
    Object.defineProperty(system, 'insights', { value: insights, enumerable: false, writable: true });
    Object.defineProperty(system, 'osVersion', { value: osVersion, enumerable: false, writable: true });
    return system;
  }

  /**
   * The multi-row and per-device System Insights tables of one device, by rule from its index
   * (no random draws): macOS apps and disk encryption, Windows programs and BitLocker, Linux disk
   * encryption; uptime for every device that reported; a battery for the Macs people use (the
   * table reads macOS power data; spares report none), so some devices have no rows in a table.
   */
  #insightsTables(index, systemId, model, owner, collectionTime) {
    const tables = { apps: [], programs: [], disk_encryption: [], bitlocker_info: [], uptime: [], battery: [] };
    const base = { collection_time: collectionTime, system_id: systemId };
    const catalogue = SOFTWARE[model.osFamily] ?? [];
    // Each device has the common software, and every other one a few more titles.
    const installed = catalogue.filter((_, i) => i < 3 || (index + i) % 2 === 0);
    if (model.osFamily === 'darwin') {
      for (const [name, bundle, version] of installed) {
        tables.apps.push({
          ...base, applescript_enabled: '0', bundle_executable: name, bundle_identifier: bundle,
          bundle_name: name, bundle_package_type: 'APPL', bundle_short_version: version, bundle_version: version,
          category: 'public.app-category.productivity', compiler: '', copyright: '', development_region: 'en',
          display_name: name, element: '', environment: '', info_string: '', last_opened_time: 1_700_000_000 + index,
          minimum_system_version: '12.0', name: `${name}.app`, path: `/Applications/${name}.app`,
        });
      }
    }
    if (model.osFamily === 'windows') {
      for (const [name, publisher, version] of installed) {
        tables.programs.push({
          ...base, identifying_number: `{${createHash('md5').update(name).digest('hex').slice(0, 8).toUpperCase()}}`,
          install_date: '20240115', install_location: `C:\\Program Files\\${name}`, install_source: '', language: '1033',
          name, publisher, uninstall_string: '', version,
        });
      }
      tables.bitlocker_info.push({
        ...base, conversion_status: 1, device_id: `\\\\?\\Volume{${index}}`, drive_letter: 'C:',
        encryption_method: 'XTS_AES_128', percentage_encrypted: 100, persistent_volume_id: '',
        protection_status: index % 4 === 1 ? 0 : 1,
      });
    } else {
      tables.disk_encryption.push({
        ...base, encrypted: model.osFamily === 'darwin' ? 1 : index % 2, encryption_status: model.osFamily === 'darwin' || index % 2 ? 'encrypted' : 'undefined',
        name: model.osFamily === 'darwin' ? '/dev/disk1s1' : '/dev/nvme0n1p3', type: model.osFamily === 'darwin' ? 'APFS Encryption' : 'LUKS',
        uid: '', user_uuid: '', uuid: createHash('md5').update(`${systemId}-disk`).digest('hex'),
      });
    }
    const seconds = 3_600 * (1 + ((index * 37) % 500));
    tables.uptime.push({
      ...base, days: Math.floor(seconds / 86_400), hours: Math.floor(seconds / 3_600) % 24, minutes: 0, seconds: 0, total_seconds: String(seconds),
    });
    if (owner && model.osFamily === 'darwin') {
      tables.battery.push({
        ...base, amperage: -1200, charged: 0, charging: 0, condition: 'Normal', current_capacity: 4800 - index,
        cycle_count: 100 + (index % 400), designed_capacity: 5000, health: index % 9 === 0 ? 'Check Battery' : 'Good',
        manufacture_date: 1_650_000_000, manufacturer: model.vendor, max_capacity: 4900 - (index % 400), minutes_to_full_charge: -1,
        minutes_until_empty: 300, model: `${model.prefix}-BAT`, percent_remaining: 50 + (index % 50),
        serial_number: `BAT${index}`, state: 'Discharging', voltage: 12_000,
      });
    }
    return tables;
  }

  #makeGroup(type, name, description) {
    return {
      id: this.newId(),
      name,
      description,
      email: '',
      type,
      attributes: {},
      membershipMethod: 'STATIC',
      memberQueryErrorFlags: {},
      organizationObjectId: this.orgId,
      members: [],
    };
  }

  // ------------------------------------------------------------------------------------------
  // Look-ups

  user(id) {
    return this.users.find((u) => u._id === id);
  }

  system(id) {
    return this.systems.find((s) => s._id === id);
  }

  group(id) {
    return this.userGroups.find((g) => g.id === id) ?? this.systemGroups.find((g) => g.id === id);
  }

  #require(kind, id) {
    const found = kind === 'user' ? this.user(id) : kind === 'system' ? this.system(id) : this.group(id);
    if (!found) throw new Error(`no ${kind} with id ${JSON.stringify(id)}`);
    return found;
  }

  // ------------------------------------------------------------------------------------------
  // Control operations: change the directory between sync runs.

  /** Renames a user; only the given name fields change (displayname follows unless given). */
  rename(userId, { firstname, lastname, displayname, username, email } = {}) {
    const user = this.#require('user', userId);
    if (firstname !== undefined) user.firstname = firstname;
    if (lastname !== undefined) user.lastname = lastname;
    if (username !== undefined) user.username = username;
    if (email !== undefined) user.email = email;
    user.displayname = displayname ?? `${user.firstname} ${user.lastname}`;
    return deepCopy(user);
  }

  /** A promotion: new job title and (optionally) a new manager id (null clears it). */
  promote(userId, { jobTitle, managerId, department } = {}) {
    const user = this.#require('user', userId);
    if (jobTitle !== undefined) user.jobTitle = jobTitle;
    if (department !== undefined) user.department = department;
    if (managerId === null) delete user.manager;
    else if (managerId !== undefined) user.manager = this.#require('user', managerId)._id;
    return deepCopy(user);
  }

  /** A leaver: `mode` 'suspend' (state SUSPENDED) or 'delete' (gone, and gone from groups). */
  leave(userId, { mode = 'suspend' } = {}) {
    const user = this.#require('user', userId);
    if (mode === 'suspend') {
      Object.assign(user, { state: 'SUSPENDED', suspended: true });
      return deepCopy(user);
    }
    if (mode !== 'delete') throw new Error(`leave mode must be "suspend" or "delete", got ${JSON.stringify(mode)}`);
    this.users = this.users.filter((u) => u._id !== userId);
    for (const group of this.userGroups) group.members = group.members.filter((m) => m !== userId);
    for (const binding of [...this.userSystemBindings]) if (binding.startsWith(`${userId} `)) this.userSystemBindings.delete(binding);
    for (const binding of [...this.appUserBindings]) if (binding.endsWith(` ${userId}`)) this.appUserBindings.delete(binding);
    for (const system of this.systems) if (system.primarySystemUser?.id === userId) system.primarySystemUser = null;
    // Reports keep pointing at the departed manager's id, as in a real directory.
    return { _id: userId, deleted: true };
  }

  /** A new hire; any systemuser field may be given. Returns the new user. */
  hire(fields = {}) {
    if (fields.manager !== undefined) this.#require('user', fields.manager);
    const user = this.#makeUser(this.users.length + this.idCounter, this.usedUsernames, fields);
    this.users.push(user);
    const group = this.userGroups.find((g) => g.name === user.department);
    if (group) group.members.push(user._id);
    return deepCopy(user);
  }

  /** A laptop hand-over: the system's primary user becomes `userId` (null: back to the pool). */
  handOver(systemId, userId) {
    const system = this.#require('system', systemId);
    const previous = system.primarySystemUser?.id;
    if (previous) this.userSystemBindings.delete(`${previous} ${systemId}`);
    if (userId === null || userId === undefined) system.primarySystemUser = null;
    else {
      this.#require('user', userId);
      system.primarySystemUser = { id: userId };
      this.userSystemBindings.add(`${userId} ${systemId}`);
    }
    return deepCopy(system);
  }

  addToGroup(groupId, memberId) {
    const group = this.#require('group', groupId);
    this.#require(group.type === 'user_group' ? 'user' : 'system', memberId);
    if (!group.members.includes(memberId)) group.members.push(memberId);
    return { id: group.id, members: [...group.members] };
  }

  removeFromGroup(groupId, memberId) {
    const group = this.#require('group', groupId);
    group.members = group.members.filter((m) => m !== memberId);
    return { id: group.id, members: [...group.members] };
  }

  /** Generic field update for a user or system (`kind` 'user' | 'system'). */
  update(kind, id, patch) {
    const record = this.#require(kind, id);
    for (const [key, value] of Object.entries(patch ?? {})) {
      if (key === '_id') throw new Error('_id cannot be changed');
      if (value === null) delete record[key];
      else record[key] = value;
    }
    return deepCopy(record);
  }

  /** A deep copy of the whole directory (for assertions and determinism checks). */
  snapshot() {
    return deepCopy({
      orgId: this.orgId,
      users: this.users,
      systems: this.systems,
      userGroups: this.userGroups,
      systemGroups: this.systemGroups,
      applications: this.applications,
      userSystemBindings: [...this.userSystemBindings].sort(),
      groupBindings: [...this.groupBindings].sort(),
      appUserBindings: [...this.appUserBindings].sort(),
      appGroupBindings: [...this.appGroupBindings].sort(),
    });
  }
}

/** Applies one control operation by name (used by the HTTP control API). */
export function runControl(tenant, op, args = {}) {
  switch (op) {
    case 'rename':
      return tenant.rename(args.userId, args);
    case 'promote':
      return tenant.promote(args.userId, args);
    case 'leave':
      return tenant.leave(args.userId, args);
    case 'hire':
      return tenant.hire(args.fields ?? {});
    case 'hand-over':
    case 'handOver':
      return tenant.handOver(args.systemId, args.userId ?? null);
    case 'add-to-group':
    case 'addToGroup':
      return tenant.addToGroup(args.groupId, args.memberId);
    case 'remove-from-group':
    case 'removeFromGroup':
      return tenant.removeFromGroup(args.groupId, args.memberId);
    case 'update':
      return tenant.update(args.kind ?? 'user', args.id, args.patch);
    default:
      throw new Error(`unknown control operation "${op}"`);
  }
}

/**
 * The answer of a v2 traversal route (`GraphObjectWithPaths` rows): every object reached once,
 * with each path that reaches it. `add(id, path)` as paths are found, then `rows()`.
 */
export function traversal(type) {
  const paths = new Map();
  return {
    add(id, path) {
      if (!paths.has(id)) paths.set(id, []);
      paths.get(id).push(path);
    },
    rows: () => [...paths].map(([id, p]) => ({ id, type, paths: p, compiledAttributes: null })),
  };
}

/**
 * Jira accounts for a tenant's users, for the Assets emulator's user search. Every
 * `hideEmailEvery`-th account hides its email (Atlassian privacy settings); staged users have
 * no Jira account yet.
 */
export function jiraUsersFromTenant(tenant, { hideEmailEvery = 7 } = {}) {
  return tenant.users
    .filter((u) => u.state !== 'STAGED')
    .map((u, index) => ({
      accountId: `712020:${createHash('sha256').update(u._id).digest('hex').slice(0, 8)}-${u._id.slice(-12)}`,
      displayName: u.displayname,
      emailAddress: u.email,
      hideEmail: hideEmailEvery > 0 && index % hideEmailEvery === hideEmailEvery - 1,
      active: u.state === 'ACTIVATED',
    }));
}
