/**
 * Given names that mean the same person (Robert, Bob, Rob...). A small list of
 * common English diminutives; a config adds its own groups. A name may sit in
 * several groups (Chris: Christopher and Christine).
 */
const builtIn: readonly string[] = [
  'abigail abby abbie gail',
  'albert al bert bertie',
  'alexander alex alec sandy xander',
  'alexandra alex alexa sandra sandy lexi',
  'alfred alf alfie fred',
  'andrew andy drew',
  'angela angie',
  'anthony tony ant',
  'barbara barb barbie babs',
  'benjamin ben benny benji',
  'catherine cathy cath kate katie kat kathy',
  'katherine kathy kate katie kat kathryn kitty',
  'charles charlie chuck chas chaz',
  'christopher chris kit topher',
  'christine chris chrissy tina christina',
  'cynthia cindy',
  'daniel dan danny',
  'david dave davey',
  'deborah debbie deb debra',
  'donald don donnie',
  'dorothy dot dottie',
  'douglas doug',
  'edward ed eddie ted ned teddy',
  'edwin ed eddie',
  'eleanor ellie nell nora',
  'elizabeth liz lizzie beth betty libby eliza bess elisabeth',
  'emily em emmy',
  'eugene gene',
  'francis frank frankie fran',
  'frances fran frankie fanny',
  'frederick fred freddie freddy',
  'gabriel gabe',
  'gerald gerry jerry',
  'gregory greg',
  'harold harry hal',
  'henry harry hank hal',
  'isabella bella izzy isabel isabelle',
  'jacob jake',
  'james jim jimmy jamie jimmie',
  'janet jan',
  'jennifer jen jenny jenn',
  'jessica jess jessie',
  'john jack johnny jon',
  'jonathan jon jonny nathan',
  'joseph joe joey',
  'joshua josh',
  'judith judy jude',
  'kenneth ken kenny',
  'lawrence larry laurie',
  'leonard leo len lenny',
  'louis lou louie',
  'margaret maggie meg peggy marge margie greta',
  'matthew matt matty',
  'michael mike mikey mick mickey',
  'nicholas nick nicky',
  'nathaniel nate nathan nat',
  'patricia pat patty trish tricia',
  'patrick pat paddy',
  'peter pete',
  'philip phil pip phillip',
  'rebecca becky becca',
  'richard rick ricky dick rich richie',
  'robert rob bob bobby robbie bert',
  'ronald ron ronnie',
  'samantha sam sammy',
  'samuel sam sammy',
  'sarah sally sadie sara',
  'stephen steve stevie steven',
  'susan sue susie suzanne',
  'theodore ted teddy theo',
  'thomas tom tommy',
  'timothy tim timmy',
  'victoria vicky tori',
  'vincent vince vinny',
  'walter walt wally',
  'william will bill billy willie liam',
  'zachary zach zack',
];

export type NicknameIndex = ReadonlyMap<string, readonly number[]>;

/** Name -> the groups it belongs to, from the built-in list and `extra` groups. */
export function nicknameIndex(extra: readonly (readonly string[])[] = []): NicknameIndex {
  const index = new Map<string, number[]>();
  const groups = [...builtIn.map((line) => line.split(' ')), ...extra.map((g) => g.map((n) => n.trim().toLowerCase()))];
  groups.forEach((names, group) => {
    for (const name of new Set(names)) {
      const list = index.get(name);
      if (list) list.push(group);
      else index.set(name, [group]);
    }
  });
  return index;
}

/** Whether two (normalised) names share a nickname group. */
export function areNicknames(index: NicknameIndex, a: string, b: string): boolean {
  const ga = index.get(a);
  const gb = index.get(b);
  if (ga === undefined || gb === undefined) return false;
  for (const g of ga) if (gb.includes(g)) return true;
  return false;
}
